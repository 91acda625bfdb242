import { describe, expect, it } from 'vitest';
import type { NoticeRow } from '../../src/channels/connections-sql.ts';
import type { ChannelStatusLine } from '../../src/channels/overview.ts';
import { ticketCard, type CardInput } from '../../src/slack/card.ts';
import { channelsAnswer } from '../../src/slack/commands.ts';
import { noticeText, recoveryText } from '../../src/slack/notices.ts';
import { customerLine } from '../../src/slack/revisions.ts';
import type { OutboxItem } from '../../src/slack/slack-sql.ts';
import { nextStep, type Speaker } from '../../src/slack/thread-posts.ts';

const at = new Date('2025-03-04T10:00:00Z');

describe('a customer line in Slack', () => {
  it('reads as written when untouched', () => {
    expect(customerLine('where is <my> order')).toBe('where is &lt;my&gt; order');
  });

  it('shows an edit marked (edited), with the earlier text quoted line by line', () => {
    expect(customerLine('Order 1243', { editedText: 'Order 1243 & 1244', deletedAt: null })).toBe('Order 1243 &amp; 1244 _(edited)_\n>_earlier:_ Order 1243');
    expect(customerLine('line one\nline two', { editedText: 'fixed' })).toBe('fixed _(edited)_\n>_earlier:_ line one\n>line two');
  });

  it('marks a deletion and keeps the last text quoted, so agents still see what was said', () => {
    expect(customerLine('my card is 1234', { deletedAt: at })).toBe(':wastebasket: _deleted by the customer_\n>my card is 1234');
    expect(customerLine('first', { editedText: 'second\nthird', deletedAt: at })).toBe(':wastebasket: _deleted by the customer_\n>second\n>third');
  });
});

describe('thread planning for edits and deletions', () => {
  const customer: Speaker = { label: 'Ada', emoji: ':email:', ticket: 7 };
  let id = 0;
  const message = (text: string, extra: Partial<NonNullable<OutboxItem['message']>> = {}): OutboxItem => ({
    id: String(++id),
    kind: 'message',
    messageId: `m${id}`,
    data: {},
    message: { direction: 'inbound', author: null, text, attachments: [], slackTs: null, ...extra },
  });
  const revision = (slackTs: string | null, post?: OutboxItem['post']): OutboxItem => ({
    id: String(++id),
    kind: 'revision',
    messageId: `m${id}`,
    data: {},
    message: { direction: 'inbound', author: null, text: 'x', attachments: [], slackTs },
    ...(post ? { post } : {}),
  });

  it('renders every line of a joined post with what became of it', () => {
    const items = [message('one'), message('two', { editedText: 'TWO' }), message('three', { deletedAt: at })];
    expect(nextStep(items, customer)).toEqual({
      kind: 'post',
      ids: items.map((i) => i.id),
      text: 'one\nTWO _(edited)_\n>_earlier:_ two\n:wastebasket: _deleted by the customer_\n>three',
      username: 'Ada',
      iconEmoji: ':email:',
    });
  });

  it('updates a post in Slack in place, re-rendering all its messages in order, one update for revisions waiting on the same post', () => {
    const post = [
      { text: 'a', editedText: null, deletedAt: null },
      { text: 'b', editedText: 'B', deletedAt: null },
    ];
    const items = [revision('1.5', post), revision('1.5', post), revision('2.5', post)];
    expect(nextStep(items, customer)).toEqual({ kind: 'revise', ids: [items[0]!.id, items[1]!.id], ts: '1.5', text: 'a\nB _(edited)_\n>_earlier:_ b' });
  });

  it('skips a revision of a message not in Slack yet (it is posted revised, or shown on the card)', () => {
    const item = revision(null);
    expect(nextStep([item], customer)).toEqual({ kind: 'skip', ids: [item.id] });
  });

  it('signs an uploaded message with its edit', () => {
    const file = { name: 'a.png', contentType: 'image/png', size: 3, ref: 'f'.repeat(64) };
    const item = message('look', { attachments: [file], editedText: 'look here' });
    expect(nextStep([item], customer)).toMatchObject({ kind: 'upload', comment: '*Ada*: look here _(edited)_\n>_earlier:_ look' });
  });
});

describe('the card\'s first message', () => {
  const base: CardInput = {
    ticket: { number: 42, channel: 'email', status: 'new', priority: 'normal', assignee: null, subject: 's', cc: [], tags: [], escalationLevel: 0, slaDueAt: null, slaDueMetric: null, slaBreachedAt: null },
    contact: { name: 'Ada', address: 'ada@example.com' },
    firstMessage: 'My order is late',
  };
  const summary = (input: CardInput) => (ticketCard(input).blocks[0] as { text: { text: string } }).text.text;

  it('shows the edited text with (edited) and the original, quoted', () => {
    expect(summary({ ...base, firstMessageRevisions: { editedText: 'My order #5 is late', deletedAt: null } })).toContain('>My order #5 is late _(edited)_\n>_earlier:_ My order is late');
  });

  it('says the customer deleted it, and still shows it', () => {
    expect(summary({ ...base, firstMessageRevisions: { editedText: null, deletedAt: at } })).toContain(':wastebasket: _deleted by the customer_\n>My order is late');
  });

  it('keeps a long edit and its original within the section\'s 3,000 characters', () => {
    const text = summary({ ...base, firstMessage: 'a'.repeat(5_000), firstMessageRevisions: { editedText: 'b'.repeat(5_000) } });
    expect(text.length).toBeLessThan(3_000);
  });
});

describe('operator notices', () => {
  const notice: NoticeRow = {
    id: '1',
    module: 'whatsapp-web',
    kind: 'login-required',
    detail: 'the linked device was logged out',
    qrText: '██ ▄▄ ██',
    qrPng: null,
    openedAt: at,
    closedAt: null,
    slackChannel: null,
    slackTs: null,
    recoveryPostedAt: null,
    qrRefreshedAt: null,
    resolution: null,
  };

  it('says which module needs what, in words, with the detail, and a text QR code when there is no image', () => {
    expect(noticeText(notice)).toBe(':warning: whatsapp-web needs attention: scan the QR code to link the device — the linked device was logged out\n```██ ▄▄ ██```');
    expect(noticeText({ ...notice, qrPng: new Uint8Array([1]) })).toBe(':warning: whatsapp-web needs attention: scan the QR code to link the device — the linked device was logged out');
    expect(noticeText({ ...notice, kind: 'reconnecting', detail: 'gateway <closed>', qrText: null })).toBe(':warning: whatsapp-web needs attention: its connection dropped and it is reconnecting — gateway &lt;closed&gt;');
    expect(noticeText({ ...notice, kind: 'token-refused', detail: '', qrText: null })).toBe(':warning: whatsapp-web needs attention: the platform refused its token (check the configured token)');
  });

  it('tells the recovery in the thread plainly, and outside it what it was', () => {
    expect(recoveryText(notice, true)).toBe(':white_check_mark: whatsapp-web is back: connected');
    expect(recoveryText({ ...notice, kind: 'session-lost' }, false)).toMatch(/^:white_check_mark: whatsapp-web is back: connected \(it needed attention since <!date\^\d+\^.*\|2025-03-04 10:00 UTC>: its session was lost/);
  });
});

describe('/ticket channels', () => {
  const line = (extra: Partial<ChannelStatusLine>): ChannelStatusLine => ({
    channel: 'api',
    module: 'api',
    inbound: 'webhooks',
    state: 'webhooks',
    detail: null,
    holder: null,
    since: null,
    lastInboundAt: null,
    ...extra,
  });

  it('lists each channel with its way in, state, since when, holder and last message', () => {
    const answer = channelsAnswer([
      line({ lastInboundAt: at }),
      line({ channel: 'sms', module: 'twilio' }),
      line({ channel: 'whatsapp-web', module: 'whatsapp-web', inbound: 'connection', state: 'connected', holder: 'host-a:12', since: at, lastInboundAt: at }),
      line({ channel: 'discord', module: 'discord', inbound: 'connection', state: 'login-required', detail: 'token <revoked>', since: at }),
      line({ channel: 'telegram', module: 'telegram', inbound: 'connection', state: 'stopped' }),
    ]).split('\n');
    expect(answer[0]).toBe('*Channels* (5):');
    expect(answer[1]).toMatch(/^• :large_green_circle: \*api\* · webhooks · last message <!date\^\d+\^\{ago\}\|2025-03-04 10:00 UTC>$/);
    expect(answer[2]).toBe('• :large_green_circle: *sms* (twilio) · webhooks · no messages yet');
    expect(answer[3]).toMatch(/^• :large_green_circle: \*whatsapp-web\* · connection · connected since <!date\^\d+\^[^|]+\|2025-03-04 10:00 UTC> · held by `host-a:12` · last message <!date/);
    expect(answer[4]).toMatch(/^• :red_circle: \*discord\* · connection · login required: token &lt;revoked&gt; since <!date.* · no messages yet$/);
    expect(answer[5]).toBe('• :red_circle: *telegram* · connection · stopped (no instance holds it) · no messages yet');
    const linked = channelsAnswer([line({ channel: 'whatsapp-web', module: 'whatsapp-web', inbound: 'connection', state: 'connected', detail: 'linked as +15550009999', holder: 'host-a:12' })]);
    expect(linked.split('\n')[1]).toBe('• :large_green_circle: *whatsapp-web* · connection · connected (linked as +15550009999) · held by `host-a:12` · no messages yet');
  });

  it('says so when no channel is configured', () => {
    expect(channelsAnswer([])).toBe('No channels are configured.');
  });
});
