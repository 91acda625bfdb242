import type { Message, Update } from 'telegraf/types';
import { connectionContract, webhookContract } from '../contract-suite.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../fakes/telegram/index.ts';
import { startTestSwitchboard } from '../../helpers/switchboard.ts';
import { idOf, newCustomer, PUBLIC_BASE_URL, telegramEnv, webhookRegistered } from './helpers.ts';

// Webhook mode (a public URL): Telegram posts updates with the secret token.
{
  let telegram: TelegramEmulator;
  let appUrl = '';
  const customer = newCustomer('Contract Webhook');
  const updates = new Map<string, Update>();
  // The suite names messages by strings; Telegram numbers them per chat. Each name becomes one
  // update, delivered again as the same update.
  const updateFor = (id: string, text: string): Update => {
    const known = updates.get(id);
    if (known) return known;
    const own = /^(-?\d+):(\d+)$/.exec(id);
    const update: Update = own
      ? // Our own reply, reported back: from the bot itself.
        ({ update_id: 900_000 + updates.size, message: { message_id: Number(own[2]), from: telegram.bot, chat: { id: Number(own[1]), type: 'private', first_name: customer.first_name }, date: Math.floor(Date.now() / 1000), text } } as unknown as Update)
      : telegram.customerWrites({ from: customer, text });
    updates.set(id, update);
    return update;
  };

  webhookContract({
    channel: 'telegram',
    async start() {
      telegram = await startTelegramEmulator({ route: (url) => url.replace(PUBLIC_BASE_URL, appUrl) });
      const app = await startTestSwitchboard({ env: telegramEnv(telegram) });
      appUrl = app.url;
      await webhookRegistered(telegram);
      return { app, stop: async () => (await app.close(), await telegram.close()) };
    },
    deliver: (id, text) => telegram.deliver(updateFor(id, text)),
    externalId: (id) => idOf(updates.get(id)!),
    deliverForged: (id, text) => telegram.deliver(updateFor(id, text), { secret: 'not-the-secret' }),
    // A member update (someone added the bot to a group): not a message.
    deliverUnknown: () =>
      telegram.deliver({
        update_id: 990_001,
        my_chat_member: {
          chat: { id: -100123, type: 'supergroup', title: 'Team' },
          from: { id: customer.id, is_bot: false, first_name: customer.first_name },
          date: Math.floor(Date.now() / 1000),
          old_chat_member: { status: 'left', user: telegram.bot },
          new_chat_member: { status: 'member', user: telegram.bot },
        },
      } as unknown as Update),
    unknownStatus: 200,
    received: () => telegram.received(customer.id).map((m) => m.text ?? ''),
  });
}

// Long polling (no public URL): one instance holds getUpdates and keeps the offset.
{
  let telegram: TelegramEmulator;
  const customer = newCustomer('Contract Polling');
  const messages = new Map<string, Message>();
  let last: Update | undefined;
  const written = (update: Update & { message: Message }) => {
    last = update;
    const id = idOf(update);
    messages.set(id, update.message);
    return id;
  };

  connectionContract({
    channel: 'telegram',
    module: 'telegram',
    async setUp() {
      telegram = await startTelegramEmulator();
    },
    tearDown: () => telegram.close(),
    start: (db) => startTestSwitchboard({ db, env: telegramEnv(telegram, { polling: true }) }),
    deliver: (text) => written(telegram.customerWrites({ from: customer, text })),
    edit: (id, text) => void (last = telegram.customerEdits(messages.get(id)!, text)),
    // The Bot API does not tell bots about deleted messages: `remove` is absent.
    // A dice roll: a message, but nothing an agent could read.
    deliverUnknown: () => void (last = telegram.customerWrites({ from: customer, extra: { dice: { emoji: '🎲', value: 4 } } })),
    redeliverLast: () => telegram.redeliver(last!, { asNew: true }),
    received: () => telegram.received(customer.id).map((m) => m.text ?? ''),
    refuseToken: (refuse) => telegram.refuseToken(refuse),
  });
}
