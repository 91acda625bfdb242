import type { ApiTokens } from '../api-tokens/index.ts';
import type { ChannelStatusLine } from '../channels/overview.ts';
import type { Sql } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { presetLabel, presetRange, type Preset, type Reports } from '../reports/index.ts';
import { formatDuration } from '../shared/duration.ts';
import type { types } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { KnowledgeBase } from '../knowledge/index.ts';
import type { Macros } from '../macros/index.ts';
import type { Clock } from '../shared/clock.ts';
import type { ContactMergeOutcome, ContactView, Ticket, Tickets, TicketView } from '../tickets/index.ts';
import { channelLabel } from './card.ts';
import { helpText, parseTicketCommand, USAGE, type ListFilter, type MacroCommand } from './command-parse.ts';
import { searchAnswer } from './kb-views.ts';
import { macroEffects, macroListText } from './macro-views.ts';
import { BREACHING_SOON_MS, ticketLine } from './home.ts';
import { errorLine } from './responder.ts';
import { contactNames, recentTickets, slaWatchList } from './slack-sql.ts';
import { statsBlocks, statsText } from './stats.ts';
import { isTokenCommand, runTokenCommand } from './token-commands.ts';
import { clip, escapeMrkdwn, mrkdwnToPlain, scoreStars, slackDate } from './text.ts';

export interface CommandDeps {
  sql: Sql;
  tickets: Tickets;
  clock: Clock;
  logger: Logger;
  channelStatus(): Promise<ChannelStatusLine[]>;
  reports: Reports;
  /** Scoped API tokens, for `/ticket token …`. */
  apiTokens?: ApiTokens;
  /** Who may use `/ticket token …` (SLACK_ADMINS). */
  admins: readonly string[];
  macros: Macros;
  kb: KnowledgeBase;
  /** How customers read an agent's name ({{agent.name}}), asked of Slack when not known yet. */
  agentName(user: string): Promise<string | undefined>;
}

/** What `/ticket` answers: a line of text, or Block Kit with its text fallback. */
export type CommandAnswer = string | { text: string; blocks: types.KnownBlock[] };

const LIST_LIMIT = 20;

/**
 * Runs `/ticket <text>` for `user` and returns the one ephemeral answer. A change goes through
 * the ticket service, so it records an event with the user as actor and the card follows.
 */
export async function runTicketCommand(deps: CommandDeps, user: string, text: string, triggerId?: string): Promise<CommandAnswer> {
  // Refused before parsing: someone not an admin learns nothing of the token commands' usage.
  if (isTokenCommand(text) && !deps.admins.includes(user)) return runTokenCommand(deps.apiTokens, deps.admins, user, { kind: 'token-list' });
  const command = parseTicketCommand(text);
  const { tickets } = deps;
  try {
    switch (command.kind) {
      case 'token-new':
      case 'token-list':
      case 'token-revoke':
        return await runTokenCommand(deps.apiTokens, deps.admins, user, command);
      case 'invalid':
        return command.message;
      case 'help':
        return helpText();
      case 'list':
        return listAnswer(deps, await listFor(deps, user, command.filter), listTitle(command.filter));
      case 'sla':
        return slaAnswer(deps);
      case 'channels':
        return channelsAnswer(await deps.channelStatus());
      case 'stats':
        return await statsAnswer(deps.reports, command.period, command.team);
      case 'dashboard': {
        const link = deps.reports.dashboardLink(user);
        return `<${link.url}|Open the reports dashboard>: the link is yours alone and opens until ${slackDate(link.expiresAt)}; it then keeps you signed in on that browser for ${formatDuration(deps.reports.config.sessionTtlMs)}.`;
      }
      case 'show':
        return showAnswer(await tickets.view(command.number));
      case 'claim':
        await tickets.claim(command.number, user);
        return `You have #${command.number}.`;
      case 'assign': {
        const assignee = command.user === 'me' ? user : command.user;
        await tickets.assign(command.number, assignee, user);
        return `#${command.number} is assigned to <@${assignee}>.`;
      }
      case 'priority':
        await tickets.setPriority(command.number, command.priority, user);
        return `#${command.number} is ${command.priority} priority.`;
      case 'escalate': {
        const ticket = await tickets.escalate(command.number, user, command.reason === null ? null : mrkdwnToPlain(command.reason));
        return `#${command.number} is escalated (level ${ticket.escalationLevel}).`;
      }
      case 'pending':
      case 'resolve':
      case 'reopen':
      case 'close': {
        const ticket = await tickets.transition(command.number, command.kind === 'pending' ? 'set-pending' : command.kind, user);
        return `#${command.number} is ${ticket.status}.`;
      }
      case 'note':
        await tickets.note({ ticket: command.number, author: user, text: mrkdwnToPlain(command.text) });
        return `Note added to #${command.number} (the customer does not see it).`;
      case 'contact': {
        const id = await tickets.contactOfTicket(command.number);
        const changes = command.addTags.length + command.removeTags.length + Object.keys(command.custom).length;
        const contact = changes
          ? await tickets.updateContact(id, { addTags: command.addTags, removeTags: command.removeTags, custom: command.custom }, user)
          : await tickets.contact(id);
        return contactAnswer(command.number, contact);
      }
      case 'contact-merge':
        return contactMergeAnswer(await tickets.mergeContacts(command.from, command.into, user));
      case 'contact-unmerge':
        return unmergedText(await tickets.unmergeContacts(command.event, user));
      case 'duty': {
        const { assigned } = await tickets.setDuty(user, command.on);
        if (!command.on) return 'You are off duty: no new tickets are assigned to you until you are back on.';
        return `You are on duty.${assigned.length ? ` You have ${assigned.map((n) => `#${n}`).join(', ')}: the oldest tickets waiting for your teams.` : ''}`;
      }
      case 'team': {
        const ticket = await tickets.moveTeam(command.number, command.team, user);
        return `#${command.number} is with the ${ticket.team} team now; its card moves to that team's channel.`;
      }
      case 'merge': {
        const merged = await tickets.merge(command.number, command.into, user);
        if (merged.already) return `#${command.number} is merged into #${command.into} already.`;
        const count = `${merged.messages} message${merged.messages === 1 ? '' : 's'}`;
        return `#${command.number} is merged into #${command.into}: its ${count} moved there, and the customer's next messages on its conversation land on #${command.into}. #${command.number} is closed.`;
      }
      case 'kb':
        return searchAnswer(command.words, await deps.kb.search(mrkdwnToPlain(command.words)));
      case 'macro':
        return await macroAnswer(deps, user, command.macro, triggerId ?? randomUUID());
      case 'tag': {
        const ticket = await tickets.tag(command.number, command.tags, user);
        return `#${command.number} is tagged ${ticket.tags.map((t) => `\`${t}\``).join(' ')}.`;
      }
    }
  } catch (error) {
    return errorLine(error, deps.logger, { command: text });
  }
}

/**
 * `/ticket macro …` that answers in a line (adding one and picking one open modals, in bolt.ts).
 * A send is keyed by the command's trigger id: the same invocation delivered again sends nothing more.
 */
async function macroAnswer(deps: CommandDeps, user: string, command: MacroCommand, once: string): Promise<string> {
  switch (command.action) {
    case 'list':
      return macroListText(await deps.macros.list());
    case 'delete':
      await deps.macros.remove(command.name);
      return `Macro \`${command.name}\` is deleted.`;
    case 'send': {
      const agentName = await deps.agentName(user);
      const { macro } = await deps.macros.send({ number: command.number, name: command.name, agent: user, ...(agentName ? { agentName } : {}), once });
      const effects = macroEffects(macro);
      return `Sent \`${macro.name}\` to #${command.number}${effects ? ` (it ${effects})` : ''}.`;
    }
    case 'add':
    case 'pick':
      return `Usage: \`${USAGE.macro}\``;
  }
}

/** `/ticket stats`: the period's figures for the desk or one team, against the period before. */
async function statsAnswer(reports: Reports, period: Preset, team: string | undefined): Promise<CommandAnswer> {
  if (team !== undefined && !reports.teams.includes(team)) {
    const known = reports.teams.length ? `Teams: ${reports.teams.map((t) => `\`${t}\``).join(', ')}` : 'No teams are configured';
    return `"${escapeMrkdwn(team)}" is not a team. ${known}. Usage: \`${USAGE.stats}\``;
  }
  const range = presetRange(period, reports.now(), reports.config.timezone);
  const { current, previous } = await reports.compare(range, team === undefined ? {} : { team });
  const view = { title: `Stats for ${presetLabel(period)}${team ? ` · ${team}` : ''}`, comparedWith: period === 'today' ? 'the same hours yesterday' : `the ${period === '7d' ? '7' : '30'} days before`, current, previous };
  return { text: statsText(view), blocks: statsBlocks(view) };
}

async function listFor(deps: CommandDeps, user: string, filter: ListFilter): Promise<Ticket[]> {
  switch (filter) {
    case 'active':
      return deps.tickets.list({ limit: LIST_LIMIT });
    case 'mine':
      return deps.tickets.list({ assignee: user, limit: LIST_LIMIT });
    case 'new':
    case 'open':
    case 'pending':
      return deps.tickets.list({ statuses: [filter], limit: LIST_LIMIT });
    case 'breaching':
      return slaWatchList(deps.sql, new Date(deps.clock.now() + BREACHING_SOON_MS), LIST_LIMIT);
    case 'all':
      return recentTickets(deps.sql, LIST_LIMIT);
  }
}

function listTitle(filter: ListFilter): string {
  const titles: Record<ListFilter, string> = {
    active: 'Open tickets, oldest waiting first',
    mine: 'Your tickets, oldest waiting first',
    new: 'New tickets',
    open: 'Open tickets',
    pending: 'Tickets waiting on the customer',
    breaching: 'Tickets breaching their SLA or due within the hour',
    all: 'Recently changed tickets',
  };
  return titles[filter];
}

async function listAnswer(deps: CommandDeps, list: Ticket[], title: string, withSla = false): Promise<string> {
  if (list.length === 0) return `*${title}:* none.`;
  const labels = await contactNames(deps.sql, list.map((t) => t.id));
  return [`*${title}* (${list.length}${list.length === LIST_LIMIT ? '+' : ''}):`, ...list.map((t) => `• ${ticketLine(t, labels.get(t.id), withSla)}`)].join('\n');
}

/** `/ticket sla`: breached first, then what is due within the hour, from the SLA columns. */
async function slaAnswer(deps: CommandDeps): Promise<string> {
  const list = await slaWatchList(deps.sql, new Date(deps.clock.now() + BREACHING_SOON_MS), LIST_LIMIT);
  const breached = list.filter((t) => t.slaBreachedAt);
  const soon = list.filter((t) => !t.slaBreachedAt);
  if (list.length === 0) return 'No SLA is breached or due within the hour.';
  const labels = await contactNames(deps.sql, list.map((t) => t.id));
  const lines = (tickets: Ticket[]) => tickets.map((t) => `• ${ticketLine(t, labels.get(t.id), true)}`);
  return [
    ...(breached.length ? [`*Breached* (${breached.length}):`, ...lines(breached)] : []),
    ...(soon.length ? [`*Due within the hour* (${soon.length}):`, ...lines(soon)] : []),
  ].join('\n');
}

const STATE_WORDS: Record<ChannelStatusLine['state'], { emoji: string; words: string }> = {
  webhooks: { emoji: ':large_green_circle:', words: 'receiving webhooks' },
  connected: { emoji: ':large_green_circle:', words: 'connected' },
  connecting: { emoji: ':large_yellow_circle:', words: 'connecting' },
  reconnecting: { emoji: ':large_yellow_circle:', words: 'reconnecting' },
  'login-required': { emoji: ':red_circle:', words: 'login required' },
  'session-lost': { emoji: ':red_circle:', words: 'session lost' },
  'token-refused': { emoji: ':red_circle:', words: 'token refused' },
  stopped: { emoji: ':red_circle:', words: 'stopped (no instance holds it)' },
};

/** `/ticket channels`: one line per channel: how messages come in, its state and since when, who holds it, the last message. */
export function channelsAnswer(lines: readonly ChannelStatusLine[]): string {
  if (lines.length === 0) return 'No channels are configured.';
  return [`*Channels* (${lines.length}):`, ...lines.map((line) => `• ${channelStatusText(line)}`)].join('\n');
}

function channelStatusText(line: ChannelStatusLine): string {
  const state = STATE_WORDS[line.state];
  const name = `*${escapeMrkdwn(line.channel)}*${line.module === line.channel ? '' : ` (${escapeMrkdwn(line.module)})`}`;
  // Connected, the detail says how or as whom (`linked as +15550009999`); otherwise what is wrong.
  const detail = !line.detail ? '' : line.state === 'connected' ? ` (${escapeMrkdwn(clip(line.detail, 200))})` : `: ${escapeMrkdwn(clip(line.detail, 200))}`;
  const since = line.since ? ` since ${slackDate(line.since)}` : '';
  const holder = line.inbound === 'connection' && line.holder ? ` · held by \`${escapeMrkdwn(line.holder)}\`` : '';
  const last = line.lastInboundAt ? `last message ${slackDate(line.lastInboundAt, '{ago}')}` : 'no messages yet';
  const how = line.state === 'webhooks' ? 'webhooks' : `${line.inbound} · ${state.words}${detail}${since}${holder}`;
  return `${state.emoji} ${name} · ${how} · ${last}`;
}

function showAnswer(view: TicketView): string {
  const channel = channelLabel(view.channel);
  const contact = view.contact.name ?? view.contact.identities[0]?.address ?? 'customer';
  const head = `*#${view.number}* · ${channel.emoji} ${channel.label} · *${escapeMrkdwn(contact)}*`;
  const state = `${view.status}${view.mergedInto ? ` (merged into #${view.mergedInto})` : ''} · ${view.priority} priority · ${view.assignee ? `<@${view.assignee}>` : '_unassigned_'}${view.escalationLevel ? ` · escalation level ${view.escalationLevel}` : ''}${view.tags.length ? ` · ${view.tags.map((t) => `\`${t}\``).join(' ')}` : ''}${view.csat ? ` · rated ${scoreStars(view.csat.score)}` : ''}`;
  const last = view.messages.slice(-5).map((m) => {
    const who = m.direction === 'inbound' ? escapeMrkdwn(contact) : m.direction === 'system' || m.automatic ? 'Switchboard' : m.author ? `<@${m.author}>` : 'agent';
    const kind = m.direction === 'note' ? ' (note)' : '';
    return `> *${who}*${kind}: ${escapeMrkdwn(clip(m.text, 300)).replace(/\n/g, ' ')}`;
  });
  return [head, escapeMrkdwn(view.subject ?? ''), state, ...(last.length ? ['Latest messages:', ...last] : [])].filter(Boolean).join('\n');
}

/** Where the Undo button of a contact merge's confirmation points: its event. */
export const CONTACT_UNMERGE_ACTION = 'contact.unmerge';

/** A contact merge's confirmation, with a button that undoes it. */
export function contactMergeAnswer(merged: ContactMergeOutcome): CommandAnswer {
  const text = `Contact ${merged.from} is merged into contact ${merged.into}: ${plural(merged.identities, 'address', 'addresses')} and ${plural(merged.tickets, 'ticket')} moved, tags and fields combined (event ${merged.event}). Until the customer writes again from a moved address, \`/ticket contact unmerge ${merged.event}\` undoes it.`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: `contact-merge:${merged.event}`,
        elements: [{ type: 'button', action_id: CONTACT_UNMERGE_ACTION, text: { type: 'plain_text', text: 'Undo' }, value: merged.event }],
      },
    ],
  };
}

/** What an agent reads once a contact merge is undone. */
export function unmergedText(undone: ContactMergeOutcome): string {
  return `The merge is undone: contact ${undone.from} has its ${plural(undone.identities, 'address', 'addresses')} and ${plural(undone.tickets, 'ticket')} back, and contact ${undone.into} its own tags and fields (event ${undone.event}).`;
}

function plural(count: number, word: string, words = `${word}s`): string {
  return `${count} ${count === 1 ? word : words}`;
}

/** The contact of a ticket, as `/ticket contact` shows it. */
function contactAnswer(number: number, contact: ContactView): string {
  const who = escapeMrkdwn(contact.name ?? contact.identities[0]?.address ?? `contact ${contact.id}`);
  const tags = contact.tags.length ? contact.tags.map((t) => `\`${escapeMrkdwn(t)}\``).join(' ') : '_no tags_';
  const fields = Object.entries(contact.custom).map(([k, v]) => `${escapeMrkdwn(k)}: ${escapeMrkdwn(String(v))}`);
  const identities = contact.identities.map((i) => `${i.kind} ${escapeMrkdwn(i.address)}`).join(', ');
  return [`*${who}* (contact ${contact.id}, of #${number}) · ${identities}`, `Tags: ${tags}${fields.length ? ` · ${fields.join(' · ')}` : ''}`, `Tickets: ${contact.tickets.total} (${contact.tickets.open} open)`].join('\n');
}
