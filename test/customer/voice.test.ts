/**
 * What Switchboard says by itself, as pure functions: the `customer:` section of switchboard.yml,
 * templates by channel and language, status words, scores read from replies, and the expected
 * reply time in business hours.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { customerVoice } from '../../src/customer/replies.ts';
import { parseScore } from '../../src/customer/score.ts';
import { parseDeskConfig } from '../../src/desk-config.ts';
import { calendarFor } from '../../src/sla/calendar.ts';
import { scopedPolicies } from '../../src/sla/scopes.ts';
import type { Ticket } from '../../src/tickets/index.ts';
import { policyFromEnv } from '../sla/helpers.ts';
import { BERLIN_OFFICE } from './helpers.ts';

const parse = (yaml: string) => parseDeskConfig(yaml, 'switchboard.yml', 'C0TRIAGE01');
const problems = (yaml: string) => parse(yaml).problems.map((p) => `${p.variable}: ${p.message}`);

function voiceOf(yaml: string, env: Record<string, string> = BERLIN_OFFICE) {
  const { customer, problems: found } = parse(yaml);
  if (found.length || !customer) throw new Error(JSON.stringify(found));
  const { policy } = policyFromEnv(env);
  return customerVoice({ settings: customer, policy, calendar: calendarFor(policy) });
}
const ticket = (over: Partial<Ticket> = {}) => ({ number: 7, subject: 'Lost parcel', channel: 'telegram', priority: 'normal', ...over }) as Ticket;

describe('the customer: section of switchboard.yml', () => {
  it('is in the example, and parses', async () => {
    const { customer, problems: found } = parse(await readFile(new URL('../../switchboard.example.yml', import.meta.url), 'utf8'));
    expect(found).toEqual([]);
    expect(customer!.acknowledgement!.channels).toEqual({ sms: 'off' });
    expect(customer!.status!.words).toEqual({ en: ['status'], de: ['status', 'stand'] });
    expect(customer!.csat!.channels).toMatchObject({ sms: 'off', whatsapp: { answer: 'reply' } });
  });

  it('switches every part off when it is left out', () => {
    expect(parse('teams: []').customer).toBeUndefined();
    expect(parse('customer:\n  status: {}\n').customer).toEqual({ language: 'en', status: { templates: {}, channels: {}, words: { en: ['status'] } } });
  });

  it('names every problem by its path', () => {
    expect(
      problems(`customer:
  language: klingon!
  acknowledgement:
    channels: { fax: off, sms: maybe }
    templates:
      en: { open: "Ticket {{ticket.id}}", closing: "bye" }
  csat:
    channels: { email: { answer: carrier-pigeon } }
`),
    ).toEqual([
      'switchboard.yml: customer.language: must be a language tag (en, de, pt-br)',
      'switchboard.yml: customer.acknowledgement.templates.en.open: {{ticket.id}} is not a placeholder here (known: {{ticket.number}}, {{ticket.subject}}, {{customer.name}}, {{reply.within}}, {{reply.by}})',
      'switchboard.yml: customer.acknowledgement.templates.en: unknown field closing (known: open, closed, untimed)',
      'switchboard.yml: customer.acknowledgement.channels.sms: must be off, or a mapping of its own templates',
      'switchboard.yml: customer.acknowledgement.channels.fax: must be a channel: api, sms, whatsapp, whatsapp-web, telegram, discord, email',
      'switchboard.yml: customer.csat.channels.email.answer: must be one of buttons, reply, links',
    ]);
  });

  it('stops start-up when a channel is told to rate by link without PUBLIC_BASE_URL', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'switchboard-customer-'));
    const file = path.join(dir, 'switchboard.yml');
    await writeFile(file, 'customer:\n  csat:\n    channels: { sms: { answer: links } }\n');
    try {
      expect(() => loadConfig({ SWITCHBOARD_CONFIG: file })).toThrow(/PUBLIC_BASE_URL: switchboard\.yml asks sms customers to rate by link/);
      expect(loadConfig({ SWITCHBOARD_CONFIG: file, PUBLIC_BASE_URL: 'https://desk.example.com' }).customer!.csat!.channels.sms).toEqual({ templates: {}, answer: 'links' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('templates', () => {
  const voice = voiceOf(`customer:
  language: de
  acknowledgement:
    templates:
      pt: { open: "Obrigado! Ticket #{{ticket.number}}, resposta em {{reply.within}}." }
      de: { open: "Danke! Ticket #{{ticket.number}}.", untimed: "Danke! Ticket #{{ticket.number}}, ohne Frist." }
    channels:
      email: { templates: { de: { open: "Danke für Ihre Mail! Ticket #{{ticket.number}}." } } }
      sms: off
`, { ...BERLIN_OFFICE, SLA_TARGETS: JSON.stringify({ normal: { firstReply: '4h' }, low: { firstReply: null } }) });
  const monday = new Date('2026-06-08T08:00:00Z'); // 10:00 in Berlin
  const ack = (over: Partial<Ticket>, language: string | null) => voice.acknowledgement({ ticket: ticket(over), customerName: null, language, at: monday });

  it("speak the customer's language, a region falling back to its language, with numbers in it", () => {
    expect(ack({}, 'pt-br')).toBe('Obrigado! Ticket #7, resposta em 4 horas.');
  });

  it("fall back to the desk's language, then per key to the built-in English", () => {
    expect(ack({}, 'ja')).toBe('Danke! Ticket #7.');
    expect(ack({ priority: 'low' }, null)).toBe('Danke! Ticket #7, ohne Frist.'); // low tickets have no first-reply target here
    expect(voiceOf('customer:\n  acknowledgement: {}\n').acknowledgement({ ticket: ticket(), customerName: null, language: 'de', at: monday })).toBe(
      'Thank you for writing to us. Your ticket number is #7. We usually answer within 4 hours.',
    );
  });

  it("prefer a channel's own, and are off for a channel set off", () => {
    expect(ack({ channel: 'email' }, 'de')).toBe('Danke für Ihre Mail! Ticket #7.');
    expect(ack({ channel: 'sms' }, 'de')).toBeUndefined();
  });
});

describe('the expected reply time', () => {
  const voice = voiceOf('customer:\n  acknowledgement:\n    templates:\n      en: { open: "within {{reply.within}}, by {{reply.by}}", closed: "within {{reply.within}}; expect us {{opens.day}} from {{opens.time}}" }\n');
  const at = (iso: string) => voice.acknowledgement({ ticket: ticket(), customerName: null, language: 'en', at: new Date(iso) });

  it('counts the target in business hours: late on Friday, an answer is due on Monday', () => {
    // Friday 15:30 in Berlin: 1½ hours left on Friday, 2½ more from Monday 9:00.
    expect(at('2026-06-12T13:30:00Z')).toBe('within 4 hours, by Monday 11:30 AM');
  });

  it('says when the desk opens: later today, tomorrow, or after the weekend', () => {
    expect(at('2026-06-08T04:00:00Z')).toBe('within 4 hours; expect us today from 9:00 AM'); // Monday 06:00
    expect(at('2026-06-08T17:00:00Z')).toBe('within 4 hours; expect us tomorrow from 9:00 AM'); // Monday 19:00
    expect(at('2026-06-06T10:00:00Z')).toBe('within 4 hours; expect us Monday from 9:00 AM'); // Saturday
  });

  it('skips holidays, and names the date when the opening is a week or more away', () => {
    const closedForAWeek = { ...BERLIN_OFFICE, SLA_BUSINESS_HOURS: JSON.stringify({ ...JSON.parse(BERLIN_OFFICE.SLA_BUSINESS_HOURS), holidays: ['2026-06-08', '2026-06-09', '2026-06-10', '2026-06-11', '2026-06-12'] }) };
    const text = voiceOf('customer:\n  acknowledgement:\n    templates:\n      en: { closed: "expect us {{opens.day}} from {{opens.time}}" }\n', closedForAWeek)
      .acknowledgement({ ticket: ticket(), customerName: null, language: 'en', at: new Date('2026-06-06T10:00:00Z') });
    expect(text).toBe('expect us Monday, June 15 from 9:00 AM');
  });
});

describe("the expected reply time of a team's or a tagged contact's ticket", () => {
  const { customer, sla } = parse(`teams:
  - name: support
    channel: C0TRIAGE01
  - name: nights
    channel: C0NIGHTS001
    businessHours: null
    sla: { normal: { firstReply: 1h } }
sla:
  tags:
    vip: { normal: { firstReply: 15m } }
customer:
  acknowledgement:
    templates:
      en: { open: "within {{reply.within}}", closed: "within {{reply.within}}; expect us {{opens.day}} from {{opens.time}}" }
`);
  const { policy } = policyFromEnv(BERLIN_OFFICE);
  const voice = customerVoice({ settings: customer!, policy, calendar: calendarFor(policy), scoped: scopedPolicies(policy, sla) });
  // Saturday noon in Berlin: the desk is closed.
  const saturday = new Date('2026-06-06T10:00:00Z');
  const ack = (team: string, contactTags: string[]) => voice.acknowledgement({ ticket: ticket({ team }), customerName: null, language: 'en', at: saturday, contactTags });

  it("uses the team's target and hours, and a tag's target over both", () => {
    expect(ack('support', [])).toBe('within 4 hours; expect us Monday from 9:00 AM');
    expect(ack('nights', [])).toBe('within 1 hour');
    expect(ack('nights', ['vip'])).toBe('within 15 minutes');
    expect(ack('support', ['vip'])).toBe('within 15 minutes; expect us Monday from 9:00 AM');
  });
});

describe('status words', () => {
  const voice = voiceOf('customer:\n  status:\n    words: { en: [status, where is my ticket], de: [stand] }\n    channels: { sms: off }\n');

  it('match a whole message in any case, with a command slash or closing punctuation', () => {
    for (const said of ['status', ' STATUS ', 'Status?', '/status', '/status@desk_bot', 'Where is my ticket?!']) expect(voice.isStatusRequest('telegram', said, 'en')).toBe(true);
    for (const said of ['status of my order', 'statuses', 'my status', '']) expect(voice.isStatusRequest('telegram', said, 'en')).toBe(false);
  });

  it("are the customer's language's and the desk's; any language's when the platform tells none", () => {
    expect(voice.isStatusRequest('telegram', 'Stand', 'de')).toBe(true);
    expect(voice.isStatusRequest('telegram', 'Stand', 'en')).toBe(false);
    expect(voice.isStatusRequest('telegram', 'status', 'de')).toBe(true);
    expect(voice.isStatusRequest('email', 'stand', null)).toBe(true);
  });

  it('are off for a channel set off', () => {
    expect(voice.isStatusRequest('sms', 'status', null)).toBe(false);
  });
});

describe('a score in a reply', () => {
  it('is a 1–5 at the start, with what follows as the comment', () => {
    expect(parseScore('4 thanks!')).toEqual({ score: 4, comment: 'thanks!' });
    expect(parseScore('5')).toEqual({ score: 5, comment: null });
    expect(parseScore(' 3/5 - slow but fine ')).toEqual({ score: 3, comment: 'slow but fine' });
    expect(parseScore('2 stars. Nobody called back')).toEqual({ score: 2, comment: 'Nobody called back' });
    expect(parseScore('1, useless')).toEqual({ score: 1, comment: 'useless' });
    expect(parseScore('4️⃣')).toEqual({ score: 4, comment: null });
    expect(parseScore('⭐⭐⭐⭐ great')).toEqual({ score: 4, comment: 'great' });
  });

  it('is no score when the message is about something else', () => {
    for (const said of ['it broke again', 'thanks!', '10 out of 10', '6', '0', '1st time this happened', '4pm tomorrow works', '12345 is my order', '']) expect(parseScore(said)).toBeUndefined();
  });
});
