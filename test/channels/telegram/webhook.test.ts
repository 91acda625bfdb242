import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from 'telegraf/types';
import { telegramModule } from '../../../channels/telegram/index.ts';
import type { Sink } from '../../../src/channels/contract.ts';
import { EnvReader } from '../../../src/shared/env.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../fakes/telegram/index.ts';
import { recordingSink, serveWebhooks, testDeps } from '../twilio/helpers.ts';
import { newCustomer, PUBLIC_BASE_URL, telegramEnv, webhookRegistered } from './helpers.ts';

// The webhook module on its own: telegraf against the emulator, a sink that records.
let telegram: TelegramEmulator;
let app: Awaited<ReturnType<typeof serveWebhooks>> | undefined;
let deps: ReturnType<typeof testDeps>;

beforeEach(async () => {
  telegram = await startTelegramEmulator({ route: (url) => url.replace(PUBLIC_BASE_URL, app!.url) });
  deps = testDeps();
});
afterEach(async () => {
  await telegram.close();
  await app?.close();
  app = undefined;
});

async function serve(sink: Sink, extra: Record<string, string> = {}): Promise<void> {
  const settings = telegramModule.settings(new EnvReader(telegramEnv(telegram, { extra })));
  if (!settings.enabled) throw new Error('telegram settings incomplete');
  const { inbound } = telegramModule.create(settings.config, deps);
  if (inbound.kind !== 'webhooks') throw new Error('a public URL means webhooks');
  app = await serveWebhooks(inbound, sink);
  await webhookRegistered(telegram);
}

describe('the Telegram webhook', () => {
  it('retries registering the webhook while Telegram fails, then registers it', async () => {
    telegram.failNext('setWebhook', 1, { code: 502 });
    await serve(recordingSink());
    expect(telegram.calls.filter((c) => c.method === 'setWebhook').map((c) => c.status)).toEqual([502, 200]);
    expect(deps.logger.lines.some((l) => l.msg === 'telegram webhook registration failed; retrying')).toBe(true);
  });

  it('downloads documents and voice notes with getFile, and notes a file too big for bots', async () => {
    const sink = recordingSink();
    await serve(sink);
    const pdf = telegram.addFile(new Uint8Array([0x25, 0x50, 0x44, 0x46]), 'invoice.pdf');
    const voice = telegram.addFile(new Uint8Array([0x4f, 0x67, 0x67, 0x53]), 'voice.ogg');
    const update = telegram.customerWrites({ from: newCustomer(), document: { fileId: pdf, name: 'invoice.pdf', mimeType: 'application/pdf' }, voice: { fileId: voice } });
    expect((await telegram.deliver(update)).status).toBe(200);
    const [message] = sink.messages;
    expect(message!.attachments.map((a) => [a.name, a.contentType, [...a.data]])).toEqual([
      ['invoice.pdf', 'application/pdf', [0x25, 0x50, 0x44, 0x46]],
      [`voice-${update.message.message_id}.ogg`, 'audio/ogg', [0x4f, 0x67, 0x67, 0x53]],
    ]);

    const big = telegram.customerWrites({ from: newCustomer(), caption: 'the video', video: { fileId: 'too-big' } });
    (big.message as { video: { file_size: number } }).video.file_size = 30 * 1024 * 1024;
    expect((await telegram.deliver(big)).status).toBe(200);
    expect(sink.messages[1]!.text).toBe(`the video\n[video-${big.message.message_id}.mp4 (30 MB) is larger than the 20 MB bots may download]`);
  });

  it('takes group messages only when configured, and then only those mentioning the bot or replying to it', async () => {
    const sink = recordingSink();
    await serve(sink, { TELEGRAM_GROUPS: 'true' });
    const group = { id: -100500, type: 'supergroup' as const, title: 'Customers' };
    const mention = `@${telegram.bot.username}`;
    const ana = newCustomer('Ana Lima');
    await telegram.deliver(telegram.customerWrites({ from: ana, chat: group, text: 'just chatting' }));
    await telegram.deliver(telegram.customerWrites({ from: ana, chat: group, text: `${mention} my card was charged twice`, entities: [{ type: 'mention', offset: 0, length: mention.length }] }));
    const botMessage = { message_id: 77, from: telegram.bot, chat: group, date: 1, text: 'Which card?' } as unknown as Message;
    await telegram.deliver(telegram.customerWrites({ from: ana, chat: group, text: 'the blue one', replyTo: botMessage }));
    expect(sink.messages.map((m) => [m.conversation, m.from, m.text])).toEqual([
      ['-100500', String(ana.id), 'my card was charged twice'],
      ['-100500', String(ana.id), 'the blue one'],
    ]);
    expect(telegram.calls.filter((c) => c.method === 'getMe')).toHaveLength(1); // asked once, for the username
  });

  it('answers 500 when the message could not be stored, so Telegram delivers it again', async () => {
    const sink = recordingSink();
    await serve(sink);
    sink.fail();
    const update = telegram.customerWrites({ from: newCustomer(), text: 'hello' });
    expect((await telegram.deliver(update)).status).toBe(500);
    sink.recover();
    expect((await telegram.deliver(update)).status).toBe(200);
    expect(sink.messages).toHaveLength(1);
  });

  it('refuses a body that is not an update, and anything but POST', async () => {
    await serve(recordingSink());
    const post = (body: string) => fetch(`${app!.url}/webhooks/telegram`, { method: 'POST', headers: { 'x-telegram-bot-api-secret-token': telegram.webhook!.secret! }, body });
    expect((await post('not json')).status).toBe(400);
    expect((await post('{"message":{}}')).status).toBe(400);
    expect((await fetch(`${app!.url}/webhooks/telegram`)).status).toBe(405);
  });

  it('refuses with 400, storing nothing, an update whose fields have the wrong types, not a 500 Telegram would redeliver for ever', async () => {
    // Found by the fuzzer: correctly signed bodies of the wrong shape failed half-way through.
    const sink = recordingSink();
    await serve(sink);
    const post = (body: unknown) => fetch(`${app!.url}/webhooks/telegram`, { method: 'POST', headers: { 'x-telegram-bot-api-secret-token': telegram.webhook!.secret! }, body: JSON.stringify(body) });
    const good = telegram.customerWrites({ from: newCustomer(), text: 'hello' });
    const spoilt = [
      { ...good, message: { ...good.message, message_id: true } },
      { ...good, message: { ...good.message, from: { junk: [{}] } } },
      { ...good, message: { ...good.message, chat: 'x' } },
      { ...good, message: { ...good.message, photo: 'x' } },
      { update_id: 7, callback_query: { id: 'q', from: '${x}', data: 'd', message: 'm' } },
    ];
    for (const body of spoilt) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/not a Telegram update \((message|callback_query)\./);
    }
    expect(sink.messages).toEqual([]);
    expect((await post(good)).status).toBe(200);
    expect(sink.messages).toHaveLength(1);
  });
});
