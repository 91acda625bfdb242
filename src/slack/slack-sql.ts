import type { ChannelName, IdentityKind } from '../channels/contract.ts';
import type { Db } from '../db/index.ts';
import type { StoredFile } from '../files/store.ts';
import type { Ticket } from '../tickets/index.ts';
import type { AutomaticKind, Direction } from '../tickets/types.ts';
import type { Revisions } from './revisions.ts';

/** A ticket's Slack card row (slack_cards). */
export interface CardRow {
  ticketId: number;
  channel: string;
  ts: string | null;
  rendered: string | null;
  failures: number;
  /** Milliseconds until a backed-off retry is due (0 when none is pending). */
  retryInMs: number;
  number: number;
  ticketChannel: ChannelName;
  /** The customer's name (or address): thread posts are signed with it. */
  customer: string;
  /** Where the card was before its ticket moved team: to become a pointer to the new card. */
  movedFrom: { channel: string; ts: string } | null;
  /** The ticket's team, for the pointer. */
  team: string | null;
}

export type OutboxKind = 'message' | 'note' | 'reaction' | 'escalation' | 'revision';

/** One thing still to reach Slack, with the message it names (if any). */
export interface OutboxItem {
  id: string;
  kind: OutboxKind;
  messageId: string | null;
  data: Record<string, unknown>;
  message:
    | ({
        direction: Direction;
        author: string | null;
        text: string;
        attachments: StoredFile[];
        original?: StoredFile | null;
        slackTs: string | null;
        /** Set when Switchboard wrote it (or answered it) by itself. */
        automatic?: AutomaticKind | null;
      } & Revisions)
    | null;
  /**
   * For a revision of a message already in Slack: every customer message of that post (a
   * joined post holds several), in order, as they read now.
   */
  post?: PostedLine[];
}

/** One customer message of a thread post. */
export interface PostedLine extends Revisions {
  text: string;
}

/** Where cards go: each team's channel, and the default team's for a ticket of no known team. */
export interface CardChannels {
  byTeam: Readonly<Record<string, string>>;
  fallback: string;
}

/** Gives each ticket a card row in its team's channel (posted by the sync job); existing rows stay. */
export async function ensureCards(db: Db, ticketIds: number[], channels: CardChannels): Promise<void> {
  await db`
    insert into slack_cards (ticket_id, channel)
    select t.id, coalesce(${db.json(channels.byTeam as never)}::jsonb ->> t.team, ${channels.fallback})
    from tickets t where t.id = any(${ticketIds}::int[])
    on conflict (ticket_id) do nothing`;
}

/**
 * The ticket moved team: its card is posted anew in `channel`, where its whole conversation is
 * posted again as one thread; the old card is remembered, to become a pointer to the new one.
 */
export async function moveCard(db: Db, ticketId: number, channel: string): Promise<void> {
  const [moved] = await db<{ ticketId: number }[]>`
    update slack_cards set moved_from = case when ts is null then moved_from else jsonb_build_object('channel', channel, 'ts', ts) end,
      channel = ${channel}, ts = null, rendered = null
    where ticket_id = ${ticketId} and channel <> ${channel}
    returning ticket_id`;
  if (!moved) return;
  // Outbox before messages, the order the sync job's completeItems takes them in.
  await db`delete from slack_outbox where ticket_id = ${ticketId} and kind in ('message', 'revision', 'reaction')`;
  await db`update messages set slack_ts = null where ticket_id = ${ticketId} and slack_ts is not null`;
  const messages = await db<{ id: string; direction: Direction }[]>`select id, direction from messages where ticket_id = ${ticketId} order by seq`;
  // The first customer message is on the new card (only its files go in the thread); the rest follow in order.
  const first = messages.find((m) => m.direction === 'inbound');
  if (first) await queueMessages(db, [first.id], [ticketId]);
  await queueMessages(db, messages.filter((m) => m !== first).map((m) => m.id), []);
}

/**
 * Ticket `fromId` was merged into `intoId`: its messages (on `intoId` now, with those of tickets
 * merged into it before) leave its own outbox and are posted again, in arrival order, into the
 * thread of `intoId`, after `intro`, each marked as from the ticket it was written on.
 */
export async function mergeThread(db: Db, fromId: number, intoId: number, intro: string): Promise<void> {
  const moved = db`
    with recursive merged (id) as (
      select ${fromId}::int
      union
      select t.id from tickets t join merged m on t.merged_into = m.id
    )
    select id from messages where ticket_id = ${intoId} and merged_from in (select id from merged)`;
  // Outbox before messages, the order the sync job's completeItems takes them in.
  await db`delete from slack_outbox where ticket_id = ${fromId} and message_id in (${moved})`;
  await db`update messages set slack_ts = null where id in (${moved}) and slack_ts is not null`;
  await queueItems(db, [{ ticketId: intoId, kind: 'note', data: { text: intro } }]);
  await db`
    insert into slack_outbox (ticket_id, kind, message_id, data)
    select ${intoId}, 'message', m.id, jsonb_build_object('mergedFrom', w.number)
    from messages m join tickets w on w.id = m.merged_from
    where m.id in (${moved})
    order by m.seq`;
}

/** The old card became a pointer: forget where it was. */
export async function clearMovedFrom(db: Db, ticketId: number): Promise<void> {
  await db`update slack_cards set moved_from = null where ticket_id = ${ticketId}`;
}

/**
 * Queues these messages for their tickets' threads, in arrival order. Messages already in
 * Slack (an agent wrote them there) are left out, and so are the customer messages of the
 * tickets in `onCard`: a new ticket's first message is shown on its card. Messages in
 * `offers` carry an offer to the agent (the approved template, when a reply was refused).
 */
export async function queueMessages(db: Db, messageIds: string[], onCard: number[], offers: string[] = []): Promise<void> {
  // A new ticket's first message is on its card; only its files (and its original) still need the thread.
  await db`
    insert into slack_outbox (ticket_id, kind, message_id, data)
    select ticket_id, 'message', id,
      case when id = any(${offers}::uuid[]) then '{"offer":"template"}'::jsonb
           when direction = 'inbound' and ticket_id = any(${onCard}::int[]) then '{"onCard":true}'::jsonb
           else '{}'::jsonb end
    from messages
    where id = any(${messageIds}::uuid[]) and slack_ts is null
      and not (direction = 'inbound' and ticket_id = any(${onCard}::int[]) and attachments = '[]'::jsonb and original is null)
    order by seq`;
}

export interface NewOutboxItem {
  ticketId: number;
  kind: Exclude<OutboxKind, 'message'>;
  messageId?: string;
  data?: Record<string, unknown>;
}

export async function queueItems(db: Db, items: NewOutboxItem[]): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map((i) => ({ ticket_id: i.ticketId, kind: i.kind, message_id: i.messageId ?? null, data: i.data ?? {} }));
  await db`
    insert into slack_outbox (ticket_id, kind, message_id, data)
    select ticket_id, kind, message_id, data
    from jsonb_to_recordset(${db.json(rows as never)}) as x(ticket_id integer, kind text, message_id uuid, data jsonb)`;
}

/**
 * Takes the ticket's Slack writes for `holdMs`, unless another job holds them (`heldForMs`
 * says for how long). Undefined means the ticket has no card row: nothing to do in Slack.
 * Returns who the customer is too, since every thread post is signed with their name.
 */
export async function leaseCard(db: Db, ticketId: number, holdMs: number): Promise<{ card: CardRow } | { heldForMs: number } | undefined> {
  const [card] = await db<CardRow[]>`
    update slack_cards s set leased_until = clock_timestamp() + make_interval(secs => ${holdMs / 1000}), rerun = false
    from tickets t join contacts c on c.id = t.contact_id join identities i on i.id = t.identity_id
    where s.ticket_id = ${ticketId} and t.id = s.ticket_id and (s.leased_until is null or s.leased_until <= clock_timestamp())
    returning s.ticket_id, s.channel, s.ts, s.rendered, s.failures, s.moved_from,
      greatest(0, coalesce(extract(epoch from (s.retry_at - clock_timestamp())) * 1000, 0))::float8 as retry_in_ms,
      t.number, t.channel as ticket_channel, t.team, coalesce(c.name, i.display_name, i.address) as customer`;
  if (card) return { card };
  // Held by another run: ask it to run again as it lets go (it sees `rerun` in releaseCard,
  // which takes the same row lock, so the request is never lost between the two).
  const [held] = await db<{ heldForMs: number }[]>`
    update slack_cards set rerun = true
    where ticket_id = ${ticketId} and leased_until > clock_timestamp()
    returning greatest(0, extract(epoch from (leased_until - clock_timestamp())) * 1000)::float8 as held_for_ms`;
  if (held) return { heldForMs: held.heldForMs };
  // Let go of in between: try again, unless the ticket has no card row at all.
  const [exists] = await db`select 1 from slack_cards where ticket_id = ${ticketId}`;
  return exists ? leaseCard(db, ticketId, holdMs) : undefined;
}

/**
 * Gives the ticket's Slack writes back, recording how the run ended. Says whether another
 * trigger came while it was held (the caller runs again for it).
 */
export async function releaseCard(db: Db, ticketId: number, outcome: { failures: number; retryAfterMs?: number; error?: string }): Promise<{ rerun: boolean }> {
  const retryAt = outcome.retryAfterMs === undefined ? null : outcome.retryAfterMs / 1000;
  const [row] = await db<{ rerun: boolean }[]>`
    update slack_cards s set leased_until = null, rerun = false, failures = ${outcome.failures},
      retry_at = case when ${retryAt}::float8 is null then null else clock_timestamp() + make_interval(secs => ${retryAt}::float8) end,
      last_error = ${outcome.error ?? null}
    from (select ticket_id, rerun from slack_cards where ticket_id = ${ticketId} for update) held
    where s.ticket_id = held.ticket_id
    returning held.rerun`;
  return { rerun: row?.rerun ?? false };
}

/**
 * The ticket's pending Slack work, oldest first; none once its card is no longer at `card` (the
 * ticket moved team meanwhile: its work waits for the new card).
 */
export async function pendingItems(db: Db, ticketId: number, limit: number, card?: { channel: string; ts: string }): Promise<OutboxItem[]> {
  type Row = Omit<OutboxItem, 'message' | 'post'> & {
    direction: Direction | null;
    author: string | null;
    automatic: AutomaticKind | null;
    text: string | null;
    attachments: StoredFile[] | null;
    original: StoredFile | null;
    slackTs: string | null;
    editedText: string | null;
    deletedAt: Date | null;
    post: { text: string; editedText: string | null; deletedAt: string | null }[] | null;
  };
  const rows = await db<Row[]>`
    select o.id, o.kind, o.message_id, o.data, m.direction, m.author, m.automatic, m.text, m.attachments, m.original, m.slack_ts, m.edited_text, m.deleted_at,
      case when o.kind = 'revision' and m.slack_ts is not null then (
        select jsonb_agg(jsonb_build_object('text', p.text, 'editedText', p.edited_text, 'deletedAt', p.deleted_at) order by p.seq)
        from messages p where p.ticket_id = o.ticket_id and p.slack_ts = m.slack_ts and p.direction = 'inbound'
      ) end as post
    from slack_outbox o left join messages m on m.id = o.message_id
    where o.ticket_id = ${ticketId}
      and (${card?.channel ?? null}::text is null or exists (select 1 from slack_cards c where c.ticket_id = ${ticketId} and c.channel = ${card?.channel ?? null} and c.ts = ${card?.ts ?? null}))
    order by o.id limit ${limit}`;
  return rows.map(({ direction, author, automatic, text, attachments, original, slackTs, editedText, deletedAt, post, ...item }) => ({
    ...item,
    message: direction ? { direction, author, automatic, text: text ?? '', attachments: attachments ?? [], original, slackTs, editedText, deletedAt } : null,
    ...(post ? { post: post.map((p) => ({ text: p.text, editedText: p.editedText, deletedAt: p.deletedAt ? new Date(p.deletedAt) : null })) } : {}),
  }));
}

/** Slack has these items: drop them, and note where their messages now live. */
export async function completeItems(db: Db, ids: string[], slackTs: string | null): Promise<void> {
  await db`
    with done as (delete from slack_outbox where id = any(${ids}::bigint[]) returning kind, message_id)
    update messages set slack_ts = ${slackTs}
    where ${slackTs}::text is not null and slack_ts is null
      and id in (select message_id from done where kind = 'message')`;
}

export async function recordCardPosted(db: Db, ticketId: number, ts: string, rendered: string): Promise<void> {
  await db`update slack_cards set ts = ${ts}, rendered = ${rendered} where ticket_id = ${ticketId}`;
}

export async function recordCardRendered(db: Db, ticketId: number, rendered: string): Promise<void> {
  await db`update slack_cards set rendered = ${rendered} where ticket_id = ${ticketId}`;
}

/** The card was deleted in Slack: post a new one (its thread continues the conversation). */
export async function forgetCard(db: Db, ticketId: number): Promise<void> {
  await db`update slack_cards set ts = null, rendered = null where ticket_id = ${ticketId}`;
}

/** What a card is rendered from: the ticket, who wrote, and their first message. */
export interface CardSource {
  ticket: Ticket;
  /** The ticket this one was merged into, and those merged into it (numbers). */
  merge: { into: number | null; from: number[] };
  contact: { name: string | null; address: string; kind: IdentityKind; tags: string[]; custom: Record<string, unknown>; earlierTickets: number };
  firstMessage: string | null;
  firstMessageRevisions: Revisions;
}

export async function cardSource(db: Db, ticketId: number): Promise<CardSource | undefined> {
  type Row = Ticket & { contactName: string | null; contactTags: string[]; contactCustom: Record<string, unknown>; earlierTickets: number; displayName: string | null; address: string; kind: IdentityKind; firstMessage: string | null; firstEditedText: string | null; firstDeletedAt: Date | null; mergedIntoNumber: number | null; mergedFromNumbers: number[] };
  const [row] = await db<Row[]>`
    select t.*, c.name as contact_name,
      (select x.number from tickets x where x.id = t.merged_into) as merged_into_number,
      coalesce((select array_agg(x.number order by x.number) from tickets x where x.merged_into = t.id), '{}') as merged_from_numbers, c.tags as contact_tags, c.custom as contact_custom, i.display_name, i.address, i.kind,
      (select count(*)::int from tickets e where e.contact_id = t.contact_id and e.created_at < t.created_at) as earlier_tickets,
      f.text as first_message, f.edited_text as first_edited_text, f.deleted_at as first_deleted_at
    from tickets t join contacts c on c.id = t.contact_id join identities i on i.id = t.identity_id
      left join lateral (
        select m.text, m.edited_text, m.deleted_at from messages m where m.ticket_id = t.id and m.direction = 'inbound' order by m.seq limit 1
      ) f on true
    where t.id = ${ticketId}`;
  if (!row) return undefined;
  const { contactName, contactTags, contactCustom, earlierTickets, displayName, address, kind, firstMessage, firstEditedText, firstDeletedAt, mergedIntoNumber, mergedFromNumbers, ...ticket } = row;
  return {
    ticket,
    merge: { into: mergedIntoNumber, from: mergedFromNumbers },
    contact: { name: contactName ?? displayName, address, kind, tags: contactTags, custom: contactCustom, earlierTickets },
    firstMessage,
    firstMessageRevisions: { editedText: firstEditedText, deletedAt: firstDeletedAt },
  };
}

/** The ticket whose card is the parent of this thread. */
export async function findTicketByThread(db: Db, channel: string, threadTs: string): Promise<{ ticketId: number; number: number } | undefined> {
  const [row] = await db<{ ticketId: number; number: number }[]>`
    select c.ticket_id, t.number from slack_cards c join tickets t on t.id = c.ticket_id
    where c.channel = ${channel} and c.ts = ${threadTs}`;
  return row;
}

/** Where a ticket's card lives, once posted. */
export async function findCardOf(db: Db, number: number): Promise<{ ticketId: number; channel: string; ts: string | null } | undefined> {
  const [row] = await db<{ ticketId: number; channel: string; ts: string | null }[]>`
    select c.ticket_id, c.channel, c.ts from slack_cards c join tickets t on t.id = c.ticket_id where t.number = ${number}`;
  return row;
}

/**
 * Marks the ticket's Slack writes as behind a change the caller's transaction makes: a run that
 * leased the card before it commits runs again as it lets go (the mark waits for the lease's
 * commit, and a lease waits for the mark's). Without it, a change whose sync job was dropped as a
 * duplicate of one already queued is lost when that job starts before the change commits.
 */
export async function markCardBehind(db: Db, ticketId: number): Promise<void> {
  await db`update slack_cards set rerun = true where ticket_id = ${ticketId}`;
}

/** Records an Events API event id; false when it was already taken (a Slack retry). */
export async function rememberEvent(db: Db, eventId: string): Promise<boolean> {
  const rows = await db`insert into slack_events (event_id) values (${eventId}) on conflict (event_id) do nothing returning event_id`;
  return rows.length === 1;
}

// Slack retries an event for about five minutes (three tries); a day of ids is plenty.
// https://docs.slack.dev/apis/events-api/#retries
export async function forgetOldEvents(db: Db): Promise<void> {
  await db`delete from slack_events where received_at < now() - interval '1 day'`;
}

/** The agent-written message stored under this Slack ts, if any. */
export async function findAuthoredMessage(db: Db, slackTs: string): Promise<{ id: string; ticketId: number; direction: Direction; delivery: string | null } | undefined> {
  const [row] = await db<{ id: string; ticketId: number; direction: Direction; delivery: string | null }[]>`
    select id, ticket_id, direction, delivery from messages where slack_ts = ${slackTs} and direction in ('outbound', 'note')`;
  return row;
}

/** Active tickets whose SLA is breached or due before `until`, most urgent first. */
export async function slaWatchList(db: Db, until: Date, limit = 25): Promise<Ticket[]> {
  return db<Ticket[]>`
    select * from tickets
    where status in ('new', 'open', 'pending') and (sla_breached_at is not null or sla_due_at <= ${until})
    order by sla_breached_at nulls last, sla_due_at nulls last, id
    limit ${limit}`;
}

/** Recently changed tickets of any status, for `/ticket list all`. */
export async function recentTickets(db: Db, limit = 20): Promise<Ticket[]> {
  return db<Ticket[]>`select * from tickets order by updated_at desc, id desc limit ${limit}`;
}

/** Display names for a set of contacts (lists and the App Home name the customer). */
export async function contactNames(db: Db, ticketIds: number[]): Promise<Map<number, string>> {
  const rows = await db<{ ticketId: number; label: string }[]>`
    select t.id as ticket_id, coalesce(c.name, i.display_name, i.address) as label
    from tickets t join contacts c on c.id = t.contact_id join identities i on i.id = t.identity_id
    where t.id = any(${ticketIds}::int[])`;
  return new Map(rows.map((r) => [r.ticketId, r.label]));
}

// An agent's name is asked of Slack again after a day: people change their names, rarely.
const AGENT_NAME_TTL = '1 day';

/** Whether the agent's name is unknown or a day old (status answers tell customers who has their ticket). */
export async function agentNameStale(db: Db, agent: string): Promise<boolean> {
  const rows = await db`select 1 from agent_profiles where agent = ${agent} and fetched_at > now() - ${AGENT_NAME_TTL}::interval`;
  return rows.length === 0;
}

export async function saveAgentName(db: Db, agent: string, name: string): Promise<void> {
  await db`
    insert into agent_profiles (agent, name, fetched_at) values (${agent}, ${name}, now())
    on conflict (agent) do update set name = excluded.name, fetched_at = excluded.fetched_at`;
}
