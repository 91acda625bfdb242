import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { change, type EventData, type EventKind, type Ticket } from '../../src/tickets/index.ts';
import { ADA, blockText, ESCALATIONS, GRACE, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk();
});
afterAll(() => desk?.close());

const minutes = (n: number) => n * 60_000;

/**
 * What the SLA engine does: set the ticket's SLA columns and record its event, in one real
 * change (the observers run inside it, as they do for the engine).
 */
function slaChange<K extends EventKind>(number: number, columns: { dueAt?: Date | null; metric?: string | null; breachedAt?: Date | null; level?: number }, kind?: K, data?: EventData[K]) {
  return change(desk.app.tickets.context, async (tx, record) => {
    const [ticket] = await tx<Ticket[]>`
      update tickets set
        sla_due_at = ${columns.dueAt === undefined ? null : columns.dueAt},
        sla_due_metric = ${columns.metric ?? null},
        sla_breached_at = ${columns.breachedAt ?? null},
        escalation_level = ${columns.level ?? 0}
      where number = ${number} returning *`;
    if (kind && data) record(ticket!, kind, 'sla', data);
  });
}

async function ticketCommand(text: string, user = ADA): Promise<string> {
  const seen = desk.slack.ephemerals(user).length;
  await desk.slack.http.command(desk.eventsUrl, desk.slack.slashCommand({ user, channel: TRIAGE, command: '/ticket', text }));
  return desk.slack.ephemerals(user).slice(seen).map((e) => e.text).join('\n');
}

const topLevelCount = () => desk.slack.messages(TRIAGE).length;

describe('SLA in Slack', () => {
  it('shows the SLA due time on the card, and a warning in the thread mentioning the assignee', async () => {
    const number = await desk.write('warn@example.com', 'hello', { name: 'Walter' });
    const ts = await desk.cardTs(number);
    await desk.app.tickets.claim(number, GRACE);
    const due = new Date(Date.now() + minutes(15));
    const posts = topLevelCount();
    await slaChange(number, { dueAt: due, metric: 'firstReply' }, 'sla-warning', { metric: 'firstReply', cycle: 1, dueAt: due.toISOString(), leftMs: minutes(15) });
    const unix = Math.floor(due.getTime() / 1000);
    await expect.poll(async () => (await desk.thread(number)).map((m) => m.text), { timeout: 10_000 }).toEqual([
      `:hourglass_flowing_sand: The first reply target is due <!date^${unix}^{ago}|${due.toISOString().replace('T', ' ').slice(0, 16)} UTC> (15m left). <@${GRACE}>`,
    ]);
    await expect.poll(() => blockText(desk.slack.message(TRIAGE, ts)), { timeout: 10_000 }).toContain(`:hourglass_flowing_sand: First reply due <!date^${unix}^{ago}`);
    expect(topLevelCount()).toBe(posts);
    expect(desk.slack.messages(ESCALATIONS).filter((m) => m.text.includes(`#${number}`))).toEqual([]);
  });

  it('tells the thread, not the managers, about a breach found only after the target was met late', async () => {
    const number = await desk.write('late@example.com', 'hello');
    await desk.cardTs(number);
    await slaChange(number, {}, 'sla-breach', { metric: 'firstReply', cycle: 1, dueAt: new Date().toISOString(), waitingMs: minutes(45), level: 0, mentions: [], late: true });
    await expect.poll(async () => (await desk.thread(number)).map((m) => m.text), { timeout: 10_000 }).toEqual([
      ':stopwatch: The first reply target was missed: met late after 45m.',
    ]);
    expect(desk.slack.messages(ESCALATIONS).filter((m) => m.text.includes(`#${number}`))).toEqual([]);
  });

  it('mentions nobody in a warning on an unassigned ticket', async () => {
    const number = await desk.write('warn-nobody@example.com', 'hello');
    await desk.cardTs(number);
    const due = new Date(Date.now() + minutes(10));
    await slaChange(number, { dueAt: due, metric: 'firstReply' }, 'sla-warning', { metric: 'firstReply', cycle: 1, dueAt: due.toISOString(), leftMs: minutes(10) });
    await expect.poll(async () => (await desk.thread(number)).length, { timeout: 10_000 }).toBe(1);
    const [warning] = await desk.thread(number);
    expect(warning!.text).toContain('Nobody has claimed it yet.');
    expect(warning!.text).not.toContain('<@');
  });

  it('posts a breach in the escalation channel (number, customer, wait, link to the card, mentions) and shows it on the card; a ladder step posts again', async () => {
    const number = await desk.write('breach@example.com', 'still waiting', { name: 'Bea' });
    const ts = await desk.cardTs(number);
    const breachedAt = new Date();
    await slaChange(number, { dueAt: breachedAt, metric: 'firstReply', breachedAt, level: 1 }, 'sla-breach', {
      metric: 'firstReply', cycle: 1, dueAt: breachedAt.toISOString(), waitingMs: minutes(65), level: 1, mentions: ['<!subteam^S0MANAGERS>', `<@${ADA}>`],
    });
    const link = `<https://switchboard-test.slack.com/archives/${TRIAGE}/p${ts.replace('.', '')}|#${number}>`;
    await expect.poll(() => desk.slack.messages(ESCALATIONS).map((m) => m.text), { timeout: 10_000 }).toContain(
      `:rotating_light: ${link} missed its first reply target: Bea has waited 1h 5m. <!subteam^S0MANAGERS> <@${ADA}>`,
    );
    await expect.poll(() => blockText(desk.slack.message(TRIAGE, ts)), { timeout: 10_000 }).toContain(':rotating_light: *Breached*');
    expect(blockText(desk.slack.message(TRIAGE, ts))).toContain('level 1');

    await slaChange(number, { dueAt: breachedAt, metric: 'firstReply', breachedAt, level: 1 }, 'sla-ladder', {
      metric: 'firstReply', cycle: 1, step: 1, waitingMs: minutes(95), mentions: ['<@U0MANAGER1>'],
    });
    await expect.poll(() => desk.slack.messages(ESCALATIONS).map((m) => m.text), { timeout: 10_000 }).toContain(
      `:rotating_light: ${link} is still past its first reply target (step 1): Bea has waited 1h 35m. <@U0MANAGER1>`,
    );
  });

  it('lists breached and soon-due tickets with /ticket sla, and leaves out the rest', async () => {
    const breached = await desk.write('sla-list-1@example.com', 'one', { name: 'Late Larry' });
    const soon = await desk.write('sla-list-2@example.com', 'two', { name: 'Soon Sam' });
    const later = await desk.write('sla-list-3@example.com', 'three', { name: 'Later Liz' });
    await slaChange(breached, { dueAt: new Date(Date.now() - minutes(5)), metric: 'firstReply', breachedAt: new Date(Date.now() - minutes(5)) });
    await slaChange(soon, { dueAt: new Date(Date.now() + minutes(20)), metric: 'nextReply' });
    await slaChange(later, { dueAt: new Date(Date.now() + minutes(300)), metric: 'resolution' });
    const answer = await ticketCommand('sla');
    expect(answer).toMatch(/^\*Breached\* \(\d+\):/);
    expect(answer).toContain(`*#${breached}* Late Larry`);
    expect(answer).toContain(`*#${soon}* Soon Sam`);
    expect(answer).not.toContain(`*#${later}*`);
    expect(answer.indexOf(`#${breached}*`)).toBeLessThan(answer.indexOf('*Due within the hour*'));
    expect(answer.indexOf('*Due within the hour*')).toBeLessThan(answer.indexOf(`#${soon}*`));
    expect(await ticketCommand('list breaching')).toContain(`*#${soon}* Soon Sam`);
  });

  it("publishes the agent's App Home when opened: mine, unassigned, breaching soon", async () => {
    const mine = await desk.write('home-1@example.com', 'for ada', { name: 'Mina' });
    const free = await desk.write('home-2@example.com', 'for anyone', { name: 'Frank' });
    await desk.app.tickets.claim(mine, ADA);
    await slaChange(free, { dueAt: new Date(Date.now() + minutes(30)), metric: 'firstReply' });
    const opened = await desk.slack.http.event(desk.eventsUrl, desk.slack.userOpensHome(ADA));
    expect(opened.status).toBe(200);
    await expect.poll(() => desk.slack.homeView(ADA), { timeout: 10_000 }).toBeDefined();
    const blocks = desk.slack.homeView(ADA)!.view.blocks as { type: string; text?: { text: string } }[];
    const sections: Record<string, string[]> = {};
    let current = '';
    for (const block of blocks) {
      if (block.type === 'header') sections[(current = block.text!.text.replace(/ \(\d+\)$/, ''))] = [];
      else if (block.type === 'section' && current) sections[current]!.push(block.text!.text);
    }
    expect(sections.Mine!.join('\n')).toContain(`*#${mine}* Mina`);
    expect(sections.Mine!.join('\n')).not.toContain(`*#${free}*`);
    expect(sections.Unassigned!.join('\n')).toContain(`*#${free}* Frank`);
    expect(sections.Unassigned!.join('\n')).not.toContain(`*#${mine}*`);
    expect(sections['Breaching soon']!.join('\n')).toContain(`*#${free}* Frank`);
  });
});
