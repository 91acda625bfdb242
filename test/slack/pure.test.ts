import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChannelAuthError } from '../../src/channels/contract.ts';
import { hmacSha256Hex } from '../../src/shared/crypto.ts';
import { parseSlackConfig as readSlackConfig } from '../../src/slack/config.ts';
import { parseSlackBody } from '../../src/slack/receiver.ts';
import type { OutboxItem } from '../../src/slack/slack-sql.ts';
import { escapeMrkdwn, humanDuration, mrkdwnToPlain } from '../../src/slack/text.ts';
import { escalationText, mentionsOf, nextStep, slaWarningText, type Speaker } from '../../src/slack/thread-posts.ts';
import { verifySlackSignature } from '../../src/slack/verify.ts';
import { parseEnv } from '../helpers/env.ts';

/** The Slack settings for `env`, and the problems the reader recorded. */
const parseSlackConfig = (env: Record<string, string>) => {
  const { value: settings, problems } = parseEnv(readSlackConfig, env);
  return { settings, problems };
};

describe('Slack request signatures', () => {
  const secret = 'shhh-0123456789abcdef';
  const now = 1_700_000_000_000;
  const sign = (ts: number, body: string, key = secret) => `v0=${hmacSha256Hex(key, `v0:${ts}:${body}`)}`;
  const check = (timestamp: string | null, signature: string | null, body = '{"a":1}') => () =>
    verifySlackSignature({ signingSecret: secret, timestamp, signature, body, nowMs: now });

  it('accepts a request signed with the secret within five minutes', () => {
    const ts = now / 1000 - 299;
    expect(check(String(ts), sign(ts, '{"a":1}'))).not.toThrow();
  });

  it('refuses a forged, tampered, stale, future-dated, unsigned or unreadable request', () => {
    const ts = now / 1000;
    expect(check(String(ts), sign(ts, '{"a":1}', 'other-secret'))).toThrow(ChannelAuthError);
    expect(check(String(ts), sign(ts, '{"a":2}'))).toThrow(/mismatch/);
    expect(check(String(ts - 301), sign(ts - 301, '{"a":1}'))).toThrow(/stale/);
    expect(check(String(ts + 301), sign(ts + 301, '{"a":1}'))).toThrow(/stale/);
    expect(check(null, null)).toThrow(/missing/);
    expect(check('yesterday', 'v1=abc')).toThrow(/Timestamp/);
    expect(check(String(ts), 'v1=abc')).toThrow(/Signature/);
  });
});

describe('Slack bodies', () => {
  it('reads events as JSON, commands as form fields and interactions from the payload field', () => {
    expect(parseSlackBody('application/json', '{"type":"event_callback"}')).toEqual({ type: 'event_callback' });
    expect(parseSlackBody('application/x-www-form-urlencoded', 'command=%2Fticket&text=help')).toEqual({ command: '/ticket', text: 'help' });
    expect(parseSlackBody('application/x-www-form-urlencoded; charset=utf-8', `payload=${encodeURIComponent('{"type":"block_actions"}')}`)).toEqual({ type: 'block_actions' });
  });

  it('refuses what is none of them with 400 (415 for another content type)', () => {
    expect(() => parseSlackBody('application/json', '{"type":')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => parseSlackBody('application/json', '[1]')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => parseSlackBody('application/x-www-form-urlencoded', 'payload%7B%22type')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => parseSlackBody('application/x-www-form-urlencoded', 'payload=%7Bnot')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => parseSlackBody('text/plain', 'hi')).toThrow(expect.objectContaining({ status: 415 }));
  });
});

describe('Slack text', () => {
  it('escapes what a customer wrote and unescapes what an agent wrote', () => {
    expect(escapeMrkdwn('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    expect(mrkdwnToPlain('see <https://x.io/a|the docs> or <https://x.io/b> &amp; write <mailto:a@b.io|a@b.io>; ask <@U123> in <#C1|general> &lt;3')).toBe(
      'see the docs (https://x.io/a) or https://x.io/b & write a@b.io; ask @U123 in #general <3',
    );
  });

  it('reads waiting times as people do', () => {
    expect(humanDuration(0)).toBe('0m');
    expect(humanDuration(95 * 60_000)).toBe('1h 35m');
    expect(humanDuration(26 * 3_600_000)).toBe('1d 2h');
  });
});

describe('thread planning', () => {
  const customer: Speaker = { label: 'Ada', emoji: ':email:', ticket: 7 };
  let id = 0;
  const message = (direction: 'inbound' | 'system' | 'note' | 'outbound', text: string, extra: Partial<NonNullable<OutboxItem['message']>> = {}): OutboxItem => ({
    id: String(++id),
    kind: 'message',
    messageId: `m${id}`,
    data: {},
    message: { direction, author: direction === 'inbound' || direction === 'system' ? null : 'U0AGENT001', text, attachments: [], slackTs: null, ...extra },
  });

  it('joins waiting customer lines into one post under their name, in order', () => {
    const items = [message('inbound', 'one'), message('inbound', 'two <3'), message('system', 'Not delivered: x'), message('inbound', 'four')];
    expect(nextStep(items, customer)).toEqual({ kind: 'post', ids: [items[0]!.id, items[1]!.id], text: 'one\ntwo &lt;3', username: 'Ada', iconEmoji: ':email:' });
    expect(nextStep(items.slice(2), customer)).toEqual({ kind: 'post', ids: [items[2]!.id], text: ':information_source: Not delivered: x' });
  });

  it('posts a template offer on its own, with its button', () => {
    const offer = { ...message('system', 'Not delivered: outside the window'), data: { offer: 'template' } };
    const items = [message('system', 'before'), offer, message('system', 'after')];
    expect(nextStep(items, customer)).toMatchObject({ ids: [items[0]!.id] });
    const step = nextStep(items.slice(1), customer);
    expect(step).toMatchObject({ kind: 'post', ids: [offer.id] });
    expect(JSON.stringify(step)).toContain('"action_id":"ticket.send-template"');
    expect(JSON.stringify(step)).toContain('"block_id":"ticket:7"');
  });

  it('stops joining before a post grows past about 3,500 characters', () => {
    const items = [message('inbound', 'a'.repeat(2000)), message('inbound', 'b'.repeat(2000))];
    expect(nextStep(items, customer)).toMatchObject({ ids: [items[0]!.id] });
  });

  it('uploads a message with files, skips what is already in Slack, and signs notes and replies', () => {
    const file = { name: 'a.png', contentType: 'image/png', size: 3, ref: 'f'.repeat(64) };
    const withFile = message('inbound', 'look', { attachments: [file] });
    expect(nextStep([withFile], customer)).toEqual({ kind: 'upload', ids: [withFile.id], files: [file], comment: '*Ada*: look' });
    const inSlack = message('outbound', 'typed in Slack', { slackTs: '1.2' });
    expect(nextStep([inSlack], customer)).toEqual({ kind: 'skip', ids: [inSlack.id] });
    expect(nextStep([message('note', 'VIP')], customer)).toMatchObject({ kind: 'post', text: ':memo: *Note* from <@U0AGENT001>:\nVIP' });
  });

  it('reacts on a reply once it is in Slack, and not before', () => {
    const reaction: OutboxItem = { id: '99', kind: 'reaction', messageId: 'm', data: { name: 'white_check_mark' }, message: { direction: 'outbound', author: 'U1', text: 'x', attachments: [], slackTs: '5.6' } };
    expect(nextStep([reaction], customer)).toEqual({ kind: 'react', ids: ['99'], ts: '5.6', name: 'white_check_mark' });
    expect(nextStep([{ ...reaction, message: { ...reaction.message!, slackTs: null } }], customer)).toEqual({ kind: 'skip', ids: ['99'] });
  });

  it('writes escalation posts with the ticket, the customer, the wait, a link to the card and the mentions', () => {
    expect(escalationText({ type: 'sla-breach', metric: 'firstReply', waitingMs: 95 * 60_000, mentions: ['<!subteam^S1>', '<@U9>'] }, customer, 'https://x/p1')).toBe(
      ':rotating_light: <https://x/p1|#7> missed its first reply target: Ada has waited 1h 35m. <!subteam^S1> <@U9>',
    );
    expect(escalationText({ type: 'sla-ladder', metric: 'firstReply', step: 2, waitingMs: 60_000, mentions: '<@U9>' }, customer, '')).toBe(
      ':rotating_light: #7 is still past its first reply target (step 2): Ada has waited 1m. <@U9>',
    );
    expect(escalationText({ type: 'escalated', actor: 'U1', level: 1, reason: 'angry' }, customer, 'https://x/p')).toBe(
      ':arrow_double_up: <https://x/p|#7> (Ada) was escalated by <@U1> to level 1: angry',
    );
    expect(mentionsOf(undefined)).toBe('');
  });

  it('mentions the assignee in an SLA warning, and nobody when unassigned', () => {
    expect(slaWarningText({ metric: 'firstReply', leftMs: 15 * 60_000 }, 'U0AGENT001', 'in 15 minutes')).toBe(
      ':hourglass_flowing_sand: The first reply target is due in 15 minutes (15m left). <@U0AGENT001>',
    );
    expect(slaWarningText({ metric: 'firstReply' }, null, 'soon')).not.toContain('<@');
  });
});

describe('SLACK_* configuration', () => {
  const on = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'abc123' };

  it('is off, saying what is missing, until a bot token and a signing secret or app token are set', () => {
    expect(parseSlackConfig({})).toEqual({ settings: { enabled: false, missing: ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET or SLACK_APP_TOKEN'] }, problems: [] });
    expect(parseSlackConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }).settings).toEqual({ enabled: false, missing: ['SLACK_SIGNING_SECRET or SLACK_APP_TOKEN'] });
    expect(parseSlackConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).settings.enabled).toBe(true);
  });

  it('has documented defaults', () => {
    expect(parseSlackConfig(on).settings).toEqual({
      enabled: true,
      config: { botToken: 'xoxb-1-2-abc', signingSecret: 'abc123', appToken: undefined, apiUrl: 'https://slack.com/api/', triageChannel: undefined, escalationChannel: undefined, notePrefix: 'note:', postsPerSecond: 1, admins: [] },
    });
    expect(parseSlackConfig({ ...on, SLACK_API_URL: 'http://127.0.0.1:9/api', SLACK_NOTE_PREFIX: 'internal:' }).settings).toMatchObject({
      config: { apiUrl: 'http://127.0.0.1:9/api/', notePrefix: 'internal:' },
    });
    expect(parseSlackConfig({ ...on, SLACK_ADMINS: 'U0ADMIN1, W0ADMIN2' }).settings).toMatchObject({ config: { admins: ['U0ADMIN1', 'W0ADMIN2'] } });
    expect(parseSlackConfig({ ...on, SLACK_ADMINS: 'U0ADMIN1,@ada' }).problems).toEqual([expect.objectContaining({ variable: 'SLACK_ADMINS', message: expect.stringContaining('"@ada"') })]);
  });

  it('names every bad variable, without echoing a secret', () => {
    const { problems } = parseSlackConfig({
      SLACK_BOT_TOKEN: 'xoxp-user-token',
      SLACK_APP_TOKEN: 'not-an-app-token',
      SLACK_API_URL: 'slack.com',
      SLACK_TRIAGE_CHANNEL: '#triage',
      SLACK_ESCALATION_CHANNEL: 'escalations',
      SLACK_POST_RATE: 'fast',
    });
    expect(problems.map((p) => p.variable)).toEqual(['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_API_URL', 'SLACK_TRIAGE_CHANNEL', 'SLACK_ESCALATION_CHANNEL', 'SLACK_POST_RATE']);
    expect(JSON.stringify(problems)).not.toMatch(/xoxp-user-token|not-an-app-token/);
  });
});

describe('src/slack boundaries', () => {
  it('renders SLA from ticket columns and events only, never importing the SLA engine or a channel adapter', () => {
    const dir = new URL('../../src/slack/', import.meta.url);
    const imports = readdirSync(dir).flatMap((file) => [...readFileSync(new URL(file, dir), 'utf8').matchAll(/from\s+'([^']+)'/g)].map((m) => `${file}: ${m[1]}`));
    expect(imports.filter((line) => /\.\.\/sla\/|\.\.\/\.\.\/channels\//.test(line))).toEqual([]);
  });
});
