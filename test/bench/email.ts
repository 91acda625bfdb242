/**
 * The email channel against a real Dovecot (IMAP IDLE, imapflow) and an SMTP server
 * (smtp-server, replies through nodemailer), three figures in one run:
 *
 * IDLE latency: one instance (the real app, a child process) holds the mailbox; mails are
 * delivered one at a time with `doveadm save`, as the MTA would, each 0.6 to 1.2 s after the
 * last one's row appeared (0.6 to 0.7 s with --quick). By then the app is back in IDLE
 * (imapflow re-enters it 200 ms after its last command, the \Seen flag) and every Dovecot
 * session has let that flag change go (Dovecot 2.3 holds a change it sees through inotify
 * for 500 ms before telling an IDLEing client: NOTIFY_DELAY_MSECS in lib-storage's
 * mailbox-watch.c), so each mail meets a quiet mailbox. Each is timed from `deliver()`
 * resolving (doveadm has exited: the mail is in the Maildir) to its message row, found by
 * Message-ID, being visible to another Postgres session (committed). The row is polled every
 * 5 ms from the moment the delivery starts, so a row already there when doveadm exits would
 * count as 0 ms or less. A second IMAP session of the bench's own IDLEs on the mailbox too and
 * notes when Dovecot tells it (EXISTS): that much of the figure is the server's, the rest
 * (EXISTS to the row committed) the app's.
 *
 * Catch-up: that instance stops; a backlog is delivered while nobody holds the mailbox; a new
 * instance on the same database resumes at the stored UID. Mails per second is counted over
 * the stored rows' own timestamps (first to last), so the instance's start-up is not in it;
 * the wall time from spawning it to the last row is given beside it. Every backlog mail must be
 * stored exactly once.
 *
 * Reply latency: an agent's reply written through the core (`tickets.reply`, as the Slack
 * module does) in an in-process instance, timed from the call to the SMTP server having
 * accepted and parsed it. The channel opens a new SMTP connection per mail, and the SMTP fake
 * (smtp-server) holds every greeting 100 ms to catch early talkers; that connect-to-greeting
 * time is measured on its own and taken off for the app's own figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import postgres, { type Sql } from 'postgres';
import { startSwitchboard, type Switchboard } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { composeMail } from '../fakes/email/compose.ts';
import { startDovecot, type Dovecot } from '../fakes/email/dovecot.ts';
import { emailEnv, SUPPORT } from '../fakes/email/env.ts';
import { startSmtp, type SmtpFake } from '../fakes/email/smtp.ts';
import { startBenchApp, BENCH_API_TOKEN, type BenchApp } from './lib/app.ts';
import { sleep, type Bench } from './lib/bench.ts';
import { median, percentile, round, type Row } from './lib/stats.ts';

// Poll interval for a stored row: the latency figures are this coarse (plus one query).
const POLL_MS = 5;
// After one mail's row appeared, before the next is delivered: 0.6 s to 0.6 s + `spreadMs`, in
// a fixed sequence (the same every run).
const mailGapMs = (i: number, spreadMs: number) => 600 + (((i * 7_919) % 101) / 100) * spreadMs;
// Between two replies, so one's tail (the delivery job marking it sent) is not in the next.
const REPLY_GAP_MS = 150;
// Untimed mails and replies first (one with --quick): connections, JIT, pg-boss queues.
const WARM_UP = 3;
// Concurrent `doveadm save` runs while the backlog is delivered.
const DELIVER_CONCURRENCY = 4;

const messageId = (phase: string, i: number) => `<email-bench-${phase}-${i}-${process.pid}@customer.test>`;

function customerMail(phase: string, i: number): Promise<Buffer> {
  return composeMail({
    from: `Customer ${phase} ${i} <${phase}-${i}@customer.test>`,
    to: SUPPORT,
    subject: `Order ${phase}-${i} has not arrived`,
    text: `Hello,\n\nmy order ${phase}-${i} has not arrived yet. Could you have a look?\n\nThanks\n`,
    messageId: messageId(phase, i),
  });
}

async function isStored(sql: Sql, id: string): Promise<boolean> {
  return (await sql`select 1 from messages where channel = 'email' and external_id = ${id}`).length > 0;
}

/** An IMAP session of the bench's own, IDLEing on the mailbox: when did Dovecot last say EXISTS? */
async function watchMailbox(dovecot: Dovecot): Promise<{ since(at: number): number | undefined; close(): Promise<void> }> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false, autoIdleDelay: 50 });
  const notices: number[] = [];
  client.on('exists', () => notices.push(performance.now()));
  client.on('error', () => {});
  await client.connect();
  await client.mailboxOpen(dovecot.mailbox);
  return {
    since: (at) => notices.find((n) => n >= at),
    async close() {
      await client.logout().catch(() => client.close());
    },
  };
}

interface Arrival {
  /** `doveadm save`, start to exit. */
  deliverMs: number;
  /** doveadm's exit to the row first seen. */
  storedMs: number;
  /** doveadm's exit to the watching session's EXISTS (undefined if none came within 2 s). */
  noticeMs: number | undefined;
}

/**
 * Delivers `raw` and polls for the row from the start; returns how long doveadm took and the
 * time from its exit to the row first seen (negative when the row was there before it exited).
 */
async function deliverAndTime(dovecot: Dovecot, sql: Sql, watch: Awaited<ReturnType<typeof watchMailbox>>, raw: Buffer, id: string, timeoutMs: number): Promise<Arrival> {
  const began = performance.now();
  let delivered: number | undefined;
  let failure: Error | undefined;
  const delivery = dovecot.deliver(raw).then(
    () => void (delivered = performance.now()),
    (error: Error) => void (failure = error),
  );
  let seen: number | undefined;
  while (seen === undefined) {
    if (failure) throw failure;
    if (await isStored(sql, id)) seen = performance.now();
    else if (performance.now() - began > timeoutMs) throw new Error(`email: ${id} not stored within ${timeoutMs / 1000} s of its delivery`);
    else await sleep(POLL_MS);
  }
  await delivery;
  if (failure) throw failure;
  for (const until = performance.now() + 2_000; watch.since(began) === undefined && performance.now() < until; ) await sleep(POLL_MS);
  const notice = watch.since(began);
  return { deliverMs: delivered! - began, storedMs: seen - delivered!, noticeMs: notice === undefined ? undefined : notice - delivered! };
}

/** Connect to the SMTP server's 220 greeting, ms. */
function greetingMs(host: string, port: number): Promise<number> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    socket.once('error', reject);
    socket.once('data', (chunk: Buffer) => {
      if (!chunk.toString().startsWith('220')) reject(new Error(`SMTP greeting: ${chunk.toString().trim()}`));
      else resolve(performance.now() - began);
      socket.end('QUIT\r\n');
    });
  });
}

async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Mails the app fetched again and the core recognised by Message-ID (its log's `duplicate: true`). */
const refetched = (app: BenchApp) => app.logs().filter((line) => line.includes('"email stored"') && line.includes('"duplicate":true')).length;

/** Runs every step, even after one fails (said on stderr), so nothing is left running. */
async function cleanUp(progress: (message: string) => void, steps: (() => Promise<unknown> | undefined)[]): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      progress(`email: clean-up step failed: ${(error as Error).message}`);
    }
  }
}

export const emailBench: Bench = {
  name: 'email',
  about: 'email against a real Dovecot and SMTP server: IDLE delivery to committed row, catch-up after a restart, agent reply to SMTP',
  async run(ctx) {
    const idleCount = ctx.quick ? 10 : 40;
    const backlogCount = ctx.quick ? 50 : 200;
    const replyCount = ctx.quick ? 10 : 30;
    const warmUp = ctx.quick ? 1 : WARM_UP;
    const spreadMs = ctx.quick ? 100 : 600;
    const spread = `each 0.6-${round(0.6 + spreadMs / 1000, 1)} s after the last one's row`;

    const db = await ctx.pg.createDatabase('email');
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    let dovecot: Dovecot | undefined;
    let smtp: SmtpFake | undefined;
    let holder: BenchApp | undefined;
    let resumer: BenchApp | undefined;
    let core: Switchboard | undefined;
    let watch: Awaited<ReturnType<typeof watchMailbox>> | undefined;
    let coreDir: string | undefined;
    try {
      dovecot = await startDovecot();
      smtp = await startSmtp();
      const env = emailEnv(dovecot, smtp);

      // 1. IDLE latency, one mail at a time.
      holder = await startBenchApp(db.url, env);
      watch = await watchMailbox(dovecot);
      ctx.progress(`email: ${warmUp} warm-up mail(s), then ${idleCount} one at a time, ${spread}`);
      for (let i = 0; i < warmUp; i++) {
        await sleep(mailGapMs(i, spreadMs));
        await deliverAndTime(dovecot, sql, watch, await customerMail('warm', i), messageId('warm', i), 60_000);
      }
      const idle: Arrival[] = [];
      for (let i = 0; i < idleCount; i++) {
        const raw = await customerMail('idle', i);
        await sleep(mailGapMs(warmUp + i, spreadMs));
        idle.push(await deliverAndTime(dovecot, sql, watch, raw, messageId('idle', i), 30_000));
      }
      await watch.close();
      watch = undefined;
      const idleMs = idle.map((s) => s.storedMs);
      const noticeMs = idle.flatMap((s) => (s.noticeMs === undefined ? [] : [s.noticeMs]));
      const appMs = idle.flatMap((s) => (s.noticeMs === undefined ? [] : [s.storedMs - s.noticeMs]));
      const beforeExit = idleMs.filter((ms) => ms <= 0).length;
      const idleRefetched = refetched(holder);
      await holder.stop();
      holder = undefined;

      // 2. Catch-up: a backlog delivered while no instance holds the mailbox.
      ctx.progress(`email: instance stopped; delivering a backlog of ${backlogCount} mails (${DELIVER_CONCURRENCY} doveadm at once)`);
      const backlog = Array.from({ length: backlogCount }, (_, i) => i);
      const raws = await Promise.all(backlog.map((i) => customerMail('backlog', i)));
      const deliverStart = performance.now();
      await inPool(backlog, DELIVER_CONCURRENCY, (i) => dovecot!.deliver(raws[i]!));
      const deliverS = (performance.now() - deliverStart) / 1000;
      const ids = backlog.map((i) => messageId('backlog', i));
      const storedCount = async () => (await sql<{ n: number }[]>`select count(*)::int as n from messages where channel = 'email' and external_id = any(${ids})`)[0]!.n;
      if ((await storedCount()) !== 0) throw new Error('email: backlog mail was stored while no instance was running');

      ctx.progress(`email: backlog in the mailbox (${round(backlogCount / deliverS)} deliveries/s); a new instance catches up`);
      const spawned = performance.now();
      resumer = await startBenchApp(db.url, env);
      const listeningS = (performance.now() - spawned) / 1000;
      const deadline = Date.now() + (ctx.quick ? 60_000 : 120_000);
      let stored = 0;
      while ((stored = await storedCount()) < backlogCount) {
        if (Date.now() > deadline) throw new Error(`email: only ${stored} of ${backlogCount} backlog mails stored after the deadline`);
        await sleep(20);
      }
      const wallS = (performance.now() - spawned) / 1000;
      const [span] = await sql<{ first: Date; last: Date }[]>`
        select min(created_at) as first, max(created_at) as last from messages where channel = 'email' and external_id = any(${ids})`;
      const spanS = (span!.last.getTime() - span!.first.getTime()) / 1000;
      const catchUpPerS = (backlogCount - 1) / spanS;
      const [dupes] = await sql<{ ids: number; extra: number }[]>`
        select count(*)::int as ids, coalesce(sum(n - 1), 0)::int as extra
        from (select external_id, count(*)::int as n from messages where channel = 'email' and direction = 'inbound' group by external_id having count(*) > 1) d`;
      const [inbound] = await sql<{ n: number }[]>`select count(*)::int as n from messages where channel = 'email' and direction = 'inbound'`;
      const expected = warmUp + idleCount + backlogCount;
      // Quiet for a moment: anything fetched again after the last row would show now.
      await sleep(1_000);
      const unseen = (await dovecot.messages()).filter((m) => !m.flags.includes('\\Seen')).length;
      const catchUpRefetched = refetched(resumer);
      if (dupes!.extra !== 0) throw new Error(`email: ${dupes!.ids} Message-IDs stored more than once (${dupes!.extra} extra rows)`);
      if (inbound!.n !== expected) throw new Error(`email: ${inbound!.n} inbound email rows, expected ${expected}`);
      await resumer.stop();
      resumer = undefined;

      // 3. Reply latency, through the core of an in-process instance (which holds the mailbox now).
      coreDir = await mkdtemp(path.join(tmpdir(), 'switchboard-bench-'));
      const config = loadConfig({ DATABASE_URL: db.url, DATA_DIR: coreDir, PORT: '0', LOG_LEVEL: 'silent', API_CHANNEL_TOKEN: BENCH_API_TOKEN, ...env });
      core = await startSwitchboard({ config, hostname: '127.0.0.1', logger: createLogger(config.logLevel) });
      const tickets = (
        await sql<{ number: number }[]>`
          select t.number from messages m join tickets t on t.id = m.ticket_id
          where m.channel = 'email' and m.direction = 'inbound' order by m.seq`
      ).map((r) => r.number);
      const greetings: number[] = [];
      for (let i = 0; i < 5; i++) greetings.push(await greetingMs(smtp.host, smtp.port));
      const greeting = median(greetings);
      ctx.progress(`email: ${warmUp} warm-up repl${warmUp === 1 ? 'y' : 'ies'}, then ${replyCount} one at a time, each timed to the SMTP server's receipt (its greeting takes ${round(greeting)} ms)`);
      const reply: { commitMs: number; receivedMs: number }[] = [];
      for (let i = 0; i < warmUp + replyCount; i++) {
        await sleep(REPLY_GAP_MS);
        const before = smtp.received.length;
        const marker = `[r${i}]`;
        const began = performance.now();
        await core.tickets.reply({ ticket: tickets[i % tickets.length]!, author: 'U0BENCH', text: `We are looking into it ${marker}` });
        const committed = performance.now();
        const received = await smtp.waitFor(before + 1, 20_000);
        const at = performance.now();
        const text = received[before]!.mail.text ?? '';
        if (!text.includes(marker)) throw new Error(`email: expected reply ${marker} at the SMTP server, got ${JSON.stringify(text.slice(0, 80))}`);
        if (i >= warmUp) reply.push({ commitMs: committed - began, receivedMs: at - began });
      }
      await sleep(500);
      const sentTwice = smtp.received.length - (warmUp + replyCount);
      if (sentTwice !== 0) throw new Error(`email: the SMTP server received ${sentTwice} more mails than replies were written`);
      const replyMs = reply.map((r) => r.receivedMs);
      const ownMs = replyMs.map((ms) => ms - greeting);

      const idleP50 = median(idleMs);
      const idleP95 = percentile(idleMs, 0.95);
      const replyP50 = median(replyMs);
      const replyP95 = percentile(replyMs, 0.95);
      const ownP50 = median(ownMs);
      const ownP95 = percentile(ownMs, 0.95);
      return [
        {
          name: 'email_idle_p50_ms',
          value: round(idleP50),
          unit: 'ms',
          note: `doveadm save exits → message row committed, polled every ${POLL_MS} ms; ${idleCount} mails, ${spread}, to one IDLEing instance; doveadm itself p50 ${round(median(idle.map((s) => s.deliverMs)))} ms${beforeExit ? `; ${beforeExit} row(s) there before it exited` : ''}`,
        },
        { name: 'email_idle_p95_ms', value: round(idleP95), unit: 'ms', note: `max ${round(Math.max(...idleMs))} ms; ${idleRefetched} mail(s) fetched twice` },
        { name: 'email_idle_p95_over_p50', value: round(idleP95 / idleP50, 2), unit: 'ratio', note: 'tail of the IDLE latency' },
        {
          name: 'email_idle_server_p50_ms',
          value: round(median(noticeMs)),
          unit: 'ms',
          note: `of which Dovecot's: doveadm exits → EXISTS to a second IDLEing session (p95 ${round(percentile(noticeMs, 0.95))} ms; ${noticeMs.length} of ${idleCount} seen)`,
        },
        { name: 'email_idle_app_p50_ms', value: round(median(appMs)), unit: 'ms', note: `the rest: that EXISTS → row committed (p95 ${round(percentile(appMs, 0.95))} ms)` },
        {
          name: 'email_catchup_mails_per_s',
          value: round(catchUpPerS),
          unit: 'mail/s',
          note: `${backlogCount} mails delivered while no instance ran, stored by the next in ${round(spanS, 2)} s (first to last row); ${round(wallS, 1)} s from spawning it (${round(listeningS, 1)} s to listening)`,
        },
        {
          name: 'email_catchup_duplicates',
          value: dupes!.extra,
          unit: 'rows',
          goal: { op: '=', target: 0 },
          note: `extra rows per Message-ID over all ${inbound!.n} inbound mails; ${catchUpRefetched} fetched again and recognised; ${unseen} left unread in the mailbox`,
        },
        {
          name: 'email_reply_p50_ms',
          value: round(replyP50),
          unit: 'ms',
          note: `tickets.reply() called → SMTP server has the mail (accepted, parsed); ${replyCount} replies ${REPLY_GAP_MS} ms apart on separate tickets; the commit alone p50 ${round(median(reply.map((r) => r.commitMs)))} ms`,
        },
        { name: 'email_reply_p95_ms', value: round(replyP95), unit: 'ms', note: `max ${round(Math.max(...replyMs))} ms; a new SMTP connection per reply` },
        {
          name: 'email_reply_own_p50_ms',
          value: round(ownP50),
          unit: 'ms',
          note: `less the server's connect-to-greeting time, ${round(greeting)} ms (smtp-server holds its greeting 100 ms); p95 ${round(ownP95)} ms`,
        },
        { name: 'email_reply_own_p95_over_p50', value: round(ownP95 / ownP50, 2), unit: 'ratio', note: 'tail of the reply latency, less the greeting' },
      ] satisfies Row[];
    } finally {
      await cleanUp(ctx.progress, [
        () => watch?.close(),
        () => core?.stop(),
        () => (coreDir ? rm(coreDir, { recursive: true, force: true }) : undefined),
        () => holder?.stop(),
        () => resumer?.stop(),
        () => smtp?.close(),
        () => dovecot?.stop(),
        () => sql.end(),
        () => db.drop(),
      ]);
    }
  },
};
