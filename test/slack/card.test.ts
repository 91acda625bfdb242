import { describe, expect, it } from 'vitest';
import { CARD_ACTIONS, actionsBlockId, ticketCard, ticketOfBlockId, type CardInput } from '../../src/slack/card.ts';

const base: CardInput = {
  ticket: {
    number: 42,
    channel: 'email',
    status: 'new',
    priority: 'normal',
    assignee: null,
    subject: 'My order is late',
    cc: [],
    tags: [],
    escalationLevel: 0,
    slaDueAt: null,
    slaDueMetric: null,
    slaBreachedAt: null,
  },
  contact: { name: 'Ada Lovelace', address: 'ada@example.com' },
  firstMessage: 'My order is late & I need it <today>',
};

const withTicket = (ticket: Partial<CardInput['ticket']>): CardInput => ({ ...base, ticket: { ...base.ticket, ...ticket } });
const text = (input: CardInput) => JSON.stringify(ticketCard(input).blocks);
const actionIds = (input: CardInput) => {
  const actions = ticketCard(input).blocks.find((b) => b.type === 'actions') as { elements: { action_id: string }[] } | undefined;
  return actions?.elements.map((e) => e.action_id) ?? [];
};

describe('the ticket card', () => {
  it('shows number, channel, contact, first message (escaped), priority, status and assignee', () => {
    const card = ticketCard(base);
    const summary = card.blocks[0] as { text: { text: string } };
    expect(summary.text.text).toContain('*#42*');
    expect(summary.text.text).toContain(':email: Email');
    expect(summary.text.text).toContain('*Ada Lovelace* `ada@example.com`');
    expect(summary.text.text).toContain('>My order is late &amp; I need it &lt;today&gt;');
    expect(text(base)).toContain('*Status*\\nNew');
    expect(text(base)).toContain('*Priority*\\n:large_blue_circle: Normal');
    expect(text(base)).toContain('*Assignee*\\n_unassigned_');
    expect(card.text).toBe('#42 · Email · Ada Lovelace: My order is late (new, normal)');
  });

  it('offers Claim, Escalate, Resolve, Reply with macro, a priority menu, an assignee picker, a contact button and a menu to merge on a new ticket', () => {
    expect(actionIds(base)).toEqual([CARD_ACTIONS.claim, CARD_ACTIONS.escalate, CARD_ACTIONS.resolve, CARD_ACTIONS.macro, CARD_ACTIONS.priority, CARD_ACTIONS.assign, CARD_ACTIONS.contact, CARD_ACTIONS.more]);
    expect(text(base)).toContain('"text":"Merge into…"},"value":"merge"');
    const actions = ticketCard(base).blocks.at(-1) as { block_id: string };
    expect(ticketOfBlockId(actions.block_id)).toBe(42);
  });

  it('names the assignee, preselects priority and assignee, and drops Claim once claimed', () => {
    const claimed = withTicket({ assignee: 'U0AGENT001', status: 'open', priority: 'urgent' });
    expect(text(claimed)).toContain('*Assignee*\\n<@U0AGENT001>');
    expect(text(claimed)).toContain('"initial_user":"U0AGENT001"');
    expect(text(claimed)).toContain('"initial_option":{"text":{"type":"plain_text","text":"Urgent priority"},"value":"urgent"}');
    expect(actionIds(claimed)).not.toContain(CARD_ACTIONS.claim);
  });

  it('says where a merged ticket went, and which tickets were merged into one', () => {
    const merged = text({ ...withTicket({ status: 'closed' }), merge: { into: 43, from: [] } });
    expect(merged).toContain('*Status*\\nClosed (merged into #43)');
    expect(merged).toContain('Merged into *#43*: its conversation continues there.');
    expect(text({ ...base, merge: { into: null, from: [40, 41] } })).toContain('Merged in: #40, #41 (their messages are in the thread)');
    expect(text(base)).not.toContain('Merged');
  });

  it('offers Reopen instead of Resolve when resolved, and no controls once closed', () => {
    expect(actionIds(withTicket({ status: 'resolved' }))).toContain(CARD_ACTIONS.reopen);
    expect(actionIds(withTicket({ status: 'resolved' }))).not.toContain(CARD_ACTIONS.resolve);
    expect(actionIds(withTicket({ status: 'closed' }))).toEqual([]);
  });

  it('shows the SLA due time, live in the reader\'s clock, only when there is one', () => {
    expect(text(base)).not.toContain('*SLA*');
    const due = withTicket({ slaDueAt: new Date('2030-01-02T03:04:00Z'), slaDueMetric: 'firstReply' });
    expect(text(due)).toContain('*SLA*\\n:hourglass_flowing_sand: First reply due <!date^1893553440^{ago}|2030-01-02 03:04 UTC>');
  });

  it('shows a breach in place of the due time', () => {
    const breached = withTicket({ slaDueAt: new Date('2030-01-02T03:04:00Z'), slaDueMetric: 'nextReply', slaBreachedAt: new Date('2030-01-02T03:04:00Z') });
    expect(text(breached)).toContain(':rotating_light: *Breached* <!date^1893553440^{ago}|2030-01-02 03:04 UTC> (next reply)');
    expect(text(breached)).not.toContain('due <!date');
  });

  it('shows escalation level and tags when there are some', () => {
    const card = text(withTicket({ escalationLevel: 2, tags: ['billing', 'vip'] }));
    expect(card).toContain('*Escalation*\\n:arrow_double_up: level 2');
    expect(card).toContain('*Tags*\\n`billing` `vip`');
  });

  it('is a pure function: the same ticket renders the same card', () => {
    expect(ticketCard(withTicket({ assignee: 'U1' }))).toEqual(ticketCard(withTicket({ assignee: 'U1' })));
  });

  it('falls back to the address and the subject', () => {
    const card = ticketCard({ ...base, contact: { name: null, address: '+15550001111' }, firstMessage: null });
    expect(JSON.stringify(card.blocks[0])).toContain('*+15550001111*');
    expect(JSON.stringify(card.blocks[0])).toContain('_My order is late_');
  });

  it('keeps the first message within a section block\'s 3,000 characters', () => {
    const card = ticketCard({ ...base, firstMessage: 'x'.repeat(10_000) });
    expect((card.blocks[0] as { text: { text: string } }).text.text.length).toBeLessThan(3000);
  });

  it('round-trips the ticket number through the actions block id', () => {
    expect(ticketOfBlockId(actionsBlockId(7))).toBe(7);
    expect(ticketOfBlockId('summary')).toBeUndefined();
  });
});
