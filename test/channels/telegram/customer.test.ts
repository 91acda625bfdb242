/**
 * Issue 18 on Telegram as the customer sees it: telegraf against the Bot API emulator (webhook
 * mode), the Slack emulator, a real Postgres. The acknowledgement speaks the language Telegram
 * reports; the survey is an inline keyboard, and a press is a callback_query answered in place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramEmulator, type TelegramEmulator } from '../../fakes/telegram/index.ts';
import { deskFile } from '../../customer/helpers.ts';
import { ADA, startSlackDesk, type SlackDesk } from '../../slack/helpers.ts';
import { idOf, newCustomer, PUBLIC_BASE_URL, telegramEnv, webhookRegistered } from './helpers.ts';

const CONFIG = `customer:
  language: en
  acknowledgement:
    templates:
      de:
        open: "Danke! Ihre Ticketnummer ist #{{ticket.number}}. Wir antworten meist innerhalb von {{reply.within}}."
  csat:
    templates:
      de:
        buttons: "Wie zufrieden waren Sie mit Ticket #{{ticket.number}}? Von 1 (schlecht) bis 5 (sehr gut)."
        thanks: "Danke für Ihre Bewertung!"
`;

let telegram: TelegramEmulator;
let desk: SlackDesk;
let config: Awaited<ReturnType<typeof deskFile>>;

beforeAll(async () => {
  telegram = await startTelegramEmulator({ route: (url) => url.replace(PUBLIC_BASE_URL, desk.app.url) });
  config = await deskFile(CONFIG);
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { ...telegramEnv(telegram), SWITCHBOARD_CONFIG: config.file, SLACK_POST_RATE: '20' } });
  await webhookRegistered(telegram);
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await telegram?.close();
  await config?.remove();
});

const sql = () => desk.app.db.sql;
const ticketOf = async (externalId: string) => {
  await expect.poll(async () => (await sql()`select 1 from messages where channel = 'telegram' and external_id = ${externalId}`).length, { timeout: 15_000 }).toBe(1);
  return (await sql()<{ number: number }[]>`select t.number from messages m join tickets t on t.id = m.ticket_id where m.external_id = ${externalId}`)[0]!.number;
};
const csatEvents = (number: number) => sql()<{ data: unknown }[]>`select e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.kind = 'csat'`;

describe('Telegram customers', () => {
  it('are acknowledged in the language their Telegram app reports, and rate a resolved ticket with its buttons', async () => {
    const customer = { ...newCustomer('Jonas Weber'), language_code: 'de' };
    const update = telegram.customerWrites({ from: customer, text: 'Meine Bestellung ist nicht angekommen' });
    expect((await telegram.deliver(update)).status).toBe(200);
    const number = await ticketOf(idOf(update));
    await expect.poll(() => telegram.received(customer.id).map((m) => m.text), { timeout: 15_000 }).toEqual([
      `Danke! Ihre Ticketnummer ist #${number}. Wir antworten meist innerhalb von 4 Stunden.`,
    ]);

    await desk.app.tickets.transition(number, 'resolve', ADA);
    await expect.poll(() => telegram.received(customer.id).length, { timeout: 15_000 }).toBe(2);
    const survey = telegram.received(customer.id)[1]!;
    expect(survey.text).toBe(`Wie zufrieden waren Sie mit Ticket #${number}? Von 1 (schlecht) bis 5 (sehr gut).`);
    expect(survey.replyMarkup!.inline_keyboard.flat().map((b) => b.text)).toEqual(['1', '2', '3', '4', '5']);

    const press = telegram.customerPresses(survey, '4', customer);
    expect((await telegram.deliver(press)).status).toBe(200);
    expect(await csatEvents(number)).toEqual([{ data: { score: 4, comment: null } }]);
    expect((await desk.app.tickets.find(number))!).toMatchObject({ status: 'resolved', csatScore: 4 });
    // The button stops spinning with our thanks, and the keyboard is gone.
    const queryId = (press as { callback_query: { id: string } }).callback_query.id;
    expect(telegram.callbackAnswers).toContainEqual({ queryId, text: 'Danke für Ihre Bewertung!', showAlert: false });
    expect(survey.replyMarkup).toBeUndefined();

    // Telegram delivering the press again changes nothing.
    expect((await telegram.deliver(press)).status).toBe(200);
    expect(await csatEvents(number)).toHaveLength(1);
  });

  it("takes no score from someone who is not the ticket's customer", async () => {
    const customer = newCustomer('Ana Lima');
    const update = telegram.customerWrites({ from: customer, text: 'Refund please' });
    await telegram.deliver(update);
    const number = await ticketOf(idOf(update));
    await expect.poll(() => telegram.received(customer.id).length, { timeout: 15_000 }).toBe(1);
    await desk.app.tickets.transition(number, 'resolve', ADA);
    await expect.poll(() => telegram.received(customer.id).length, { timeout: 15_000 }).toBe(2);
    const survey = telegram.received(customer.id)[1]!;
    expect(survey.text).toMatch(/^How did we do with ticket #\d+\? Please rate us from 1 \(poor\) to 5 \(excellent\)\.$/);

    const forged = telegram.customerPresses(survey, '1', newCustomer('Mallory'));
    expect((await telegram.deliver(forged)).status).toBe(200);
    expect(await csatEvents(number)).toEqual([]);
    // Answered all the same (Telegram's button would spin otherwise), without a word.
    const queryId = (forged as { callback_query: { id: string } }).callback_query.id;
    expect(telegram.callbackAnswers).toContainEqual({ queryId, showAlert: false });
    expect(survey.replyMarkup).toBeDefined();
  });
});
