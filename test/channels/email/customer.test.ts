/**
 * Issue 18 by email as the customer sees it: a real Dovecot holding the mailbox, the SMTP fake
 * receiving what we send, the Slack emulator, a real Postgres. New mail is acknowledged (never
 * auto-replies, bounces or list mail); the survey carries signed links to a page of ours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeMail, type ComposeInput } from '../../fakes/email/compose.ts';
import { startDovecot, type Dovecot } from '../../fakes/email/dovecot.ts';
import { startSmtp, type SmtpFake } from '../../fakes/email/smtp.ts';
import { deskFile } from '../../customer/helpers.ts';
import { ADA, startSlackDesk, type SlackDesk } from '../../slack/helpers.ts';
import { allHandled, emailEnv, newMessageId, SUPPORT, ticketOfMail } from './helpers.ts';

const PUBLIC_BASE_URL = 'https://desk.example.com';
const CONFIG = `customer:
  acknowledgement:
    templates:
      fr:
        open: "Merci ! Votre numéro de ticket est #{{ticket.number}}. Nous répondons en général sous {{reply.within}}."
  csat: {}
`;

let dovecot: Dovecot;
let smtp: SmtpFake;
let desk: SlackDesk;
let config: Awaited<ReturnType<typeof deskFile>>;

beforeAll(async () => {
  dovecot = await startDovecot();
  smtp = await startSmtp();
  config = await deskFile(CONFIG);
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { ...emailEnv(dovecot, smtp), PUBLIC_BASE_URL, SWITCHBOARD_CONFIG: config.file, SLACK_POST_RATE: '20' } });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await smtp?.close();
  await dovecot?.stop();
  await config?.remove();
});

const sql = () => desk.app.db.sql;
const ticketCount = async () => (await sql()<{ n: number }[]>`select count(*)::int as n from tickets`)[0]!.n;
const sentTo = (address: string) => smtp.received.filter((m) => m.envelope.to.includes(address));

async function customerSends(mail: Partial<ComposeInput> & { from: string }): Promise<string> {
  const messageId = newMessageId();
  await dovecot.deliver(await composeMail({ to: SUPPORT, subject: 'Help', text: 'Hello', ...mail, messageId }));
  return messageId;
}

describe('email customers', () => {
  it('get no acknowledgement for auto-replies, bounces or list mail, and one for a real first mail, in its language, threaded under it', async () => {
    const before = await ticketCount();
    await customerSends({ from: 'away@customer.test', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } });
    await customerSends({ from: 'robot@customer.test', subject: 'Vacation', headers: { 'X-Autoreply': 'yes' } });
    await customerSends({ from: 'news@lists.test', subject: 'Weekly digest', headers: { 'List-Id': '<weekly.lists.test>', Precedence: 'list' } });
    await customerSends({ from: 'MAILER-DAEMON@customer.test', subject: 'Undeliverable', headers: { 'Return-Path': '<>' } });
    const first = await customerSends({ from: 'Chloé <chloe@customer.test>', subject: 'Commande en retard', text: 'Ma commande n’est pas arrivée.', headers: { 'Content-Language': 'fr-FR' } });
    const number = await ticketOfMail(sql(), first);
    await allHandled(dovecot);
    expect(await ticketCount()).toBe(before + 1);

    const [ack] = await smtp.waitFor(1, 20_000);
    expect(ack!.envelope.to).toEqual(['chloe@customer.test']);
    // French puts a no-break space between a number and its unit.
    expect(ack!.mail.text?.trim()).toBe(`Merci ! Votre numéro de ticket est #${number}. Nous répondons en général sous 4\u00a0heures.`);
    expect(ack!.mail.subject).toBe(`Re: Commande en retard [#${number}]`);
    expect(ack!.mail.inReplyTo).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(smtp.received).toHaveLength(1);
  });

  it('rate a resolved ticket by a signed link: opening it records nothing, the page it opens records the score', async () => {
    const customer = 'li@customer.test';
    const number = await ticketOfMail(sql(), await customerSends({ from: customer, subject: 'Wrong size' }));
    await expect.poll(() => sentTo(customer).length, { timeout: 20_000 }).toBe(1);
    await desk.app.tickets.transition(number, 'resolve', ADA);
    await expect.poll(() => sentTo(customer).length, { timeout: 20_000 }).toBe(2);
    const survey = sentTo(customer)[1]!.mail.text!;
    expect(survey).toContain(`How did we do with ticket #${number}? Choose a score from 1 (poor) to 5 (excellent):`);
    const links = [...survey.matchAll(/^(\d): (\S+)$/gm)].map((m) => [Number(m[1]), m[2]!] as const);
    expect(links.map(([score]) => score)).toEqual([1, 2, 3, 4, 5]);
    const four = new URL(links[3]![1].replace(PUBLIC_BASE_URL, desk.app.url));
    expect(four.pathname).toBe(`/csat/${number}`);

    // A mail scanner (or the customer) opens every link: nothing is recorded yet.
    for (const [, link] of links) expect((await fetch(link.replace(PUBLIC_BASE_URL, desk.app.url))).status).toBe(200);
    const page = await (await fetch(four)).text();
    expect(page).toContain(`How did we do with ticket #${number}?`);
    expect(page).toContain('value="4" checked');
    expect((await desk.app.tickets.find(number))!.csatScore).toBeNull();

    const form = new URLSearchParams({ signature: four.searchParams.get('signature')!, score: '4', comment: 'Quick and kind' });
    const sent = await fetch(four.origin + four.pathname, { method: 'POST', body: form });
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain('Thank you for your rating!');
    expect((await desk.app.tickets.find(number))!).toMatchObject({ csatScore: 4, csatComment: 'Quick and kind' });
    const events = await sql()<{ data: unknown }[]>`select e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.kind = 'csat'`;
    expect(events).toEqual([{ data: { score: 4, comment: 'Quick and kind' } }]);

    // Sent again, or opened again: it is recorded already.
    expect(await (await fetch(four.origin + four.pathname, { method: 'POST', body: form })).text()).toContain('already recorded');
    expect(await (await fetch(four)).text()).toContain('already recorded');
  });

  it('refuses a link whose signature was changed, naming the problem', async () => {
    const response = await fetch(`${desk.app.url}/csat/1?score=5&signature=${'0'.repeat(64)}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('this rating link is not valid');
    const post = await fetch(`${desk.app.url}/csat/1`, { method: 'POST', body: new URLSearchParams({ signature: 'x', score: '5' }) });
    expect(post.status).toBe(404);
  });
});
