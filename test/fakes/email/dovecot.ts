/**
 * A real Dovecot IMAP server for a test (Debian's dovecot-imapd, 2.3), so the email channel is
 * proven against a server's actual IMAP behaviour rather than against our idea of it.
 *
 * Each instance lives in its own throw-away directory: its dovecot.conf, passwd-file, Maildir,
 * base_dir (sockets, pid), state_dir and log, and listens on 127.0.0.1 and a free port with
 * plaintext auth and no TLS. Nothing system-wide is read or written, so several can run at
 * once. The master runs in the foreground (`dovecot -F`) as our child process, so it goes
 * away with the test; stop() also removes the directory.
 *
 * Mail is put in and inspected with doveadm against the same config (`doveadm -c`), i.e. the
 * way the mail server itself would deliver it, never through the code under test. As root the
 * Dovecot processes run as dovecot/dovenull and the mail belongs to nobody (Dovecot refuses
 * mail access as root); as another user everything runs as that user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { freePort } from '../../helpers/process.ts';

export interface DovecotOptions {
  /** The IMAP login (default support@example.test). */
  user?: string;
  /** Its password (default secret). */
  password?: string;
}

/** A message as doveadm sees it. */
export interface DovecotMessage {
  uid: number;
  /** IMAP system and keyword flags, e.g. `\Seen`; `\Recent` is left out (it is per session). */
  flags: string[];
  /** The Message-ID header as written (angle brackets included), or undefined without one. */
  messageId: string | undefined;
}

export interface Dovecot {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The mailbox mail is delivered to by default. */
  readonly mailbox: 'INBOX';
  /** The instance's directory (config, log, Maildir). */
  readonly dir: string;
  /** Whether the server is up (between start and halt/stop). */
  readonly running: boolean;
  /**
   * Delivers a raw RFC 5322 message into `mailbox`, as the MTA would (`doveadm save`). Like
   * every doveadm call here it works while the server is halted too (mail arriving while IMAP
   * is down); a client IDLEing on the mailbox is told at once (EXISTS).
   */
  deliver(raw: Buffer | string, mailbox?: string): Promise<void>;
  /** The messages in `mailbox`, lowest UID first. */
  messages(mailbox?: string): Promise<DovecotMessage[]>;
  /** Creates a mailbox (a folder), e.g. one the channel moves handled mail to. */
  createMailbox(name: string): Promise<void>;
  /** The mailbox's current UIDVALIDITY. */
  uidValidity(mailbox?: string): Promise<number>;
  /**
   * Makes the mailbox's UIDVALIDITY change, keeping its messages and flags, and resolves with
   * the new value.
   *
   * By default (`doveadm mailbox update --uid-validity <old + 1>`) every message keeps its UID
   * and the server stays up. New sessions see the new value at SELECT. A session that has the
   * mailbox selected is not told at once: at its next sync (its next command, or new mail
   * while it IDLEs) Dovecot answers `* BYE IMAP session state is inconsistent, please
   * relogin.` and drops it, so the client reconnects and selects again.
   *
   * With `renumber`, Dovecot's UID list and indexes for the mailbox are thrown away while the
   * server is briefly halted (every connection drops), as when a mailbox is restored from
   * backup or rebuilt: it gets a new UIDVALIDITY and its messages are numbered from 1 again in
   * the order of their files, so old UIDs name other messages or nothing (after an expunge or
   * move, UID 3 may now be UID 1). Only for INBOX and top-level mailboxes with ASCII names.
   */
  changeUidValidity(mailbox?: string, options?: { renumber?: boolean }): Promise<number>;
  /**
   * Sets `\Seen` on the mailbox's messages (all, or those `uids`), as a person reading the
   * mailbox in another client would.
   */
  markSeen(mailbox?: string, uids?: number[]): Promise<void>;
  /** Clears `\Seen` (all messages, or those `uids`): the mail looks unread again. */
  markUnseen(mailbox?: string, uids?: number[]): Promise<void>;
  /**
   * Changes the password the server accepts from the next login on (the passwd-file is
   * re-read when it changes); open sessions stay (restart() to drop them). `password` keeps
   * the one the instance started with, so a test can change it back.
   */
  setPassword(password: string): Promise<void>;
  /** Stops the server (every IMAP connection drops) and starts it again on the same port with the same mail. */
  restart(): Promise<void>;
  /** Takes the server down, keeping the mail: connections drop and new ones are refused until start(). */
  halt(): Promise<void>;
  /** Starts the server again after halt(); resolves once it greets with `* OK`. */
  start(): Promise<void>;
  /** Dovecot's own log so far (logins, errors), for a failing test's message. */
  log(): Promise<string>;
  /** Stops the server and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
/** UID/GID mail is stored under when we run as root: Dovecot refuses mail access as root. */
const NOBODY = 65534;
const running = new Set<ChildProcess>();
const directories = new Set<string>();
let exitHookInstalled = false;

/** Starts a fresh Dovecot with one passwd-file user and an empty INBOX. */
export async function startDovecot(options: DovecotOptions = {}): Promise<Dovecot> {
  const binaries = { dovecot: findBinary('dovecot'), doveadm: findBinary('doveadm') };
  const user = options.user ?? 'support@example.test';
  const password = options.password ?? 'secret';
  if (/[:\s]/.test(user) || /[\n\r]/.test(password)) throw new Error(`startDovecot: user ${JSON.stringify(user)} or its password cannot go in a passwd-file`);
  installExitHook();

  const root = process.getuid?.() === 0;
  const parent = tmpdir();
  if (root) await assertTraversable(parent);
  const dir = await mkdtemp(path.join(parent, 'switchboard-dovecot-'));
  directories.add(dir);
  try {
    // Dovecot's unprivileged processes (auth as dovecot, login as dovenull, mail as nobody)
    // must pass through the directory and read the passwd-file; mkdtemp makes it 0700.
    await chmod(dir, 0o755);
    const port = await freePort();
    const home = path.join(dir, 'home');
    await mkdir(home);
    const mailUid = root ? NOBODY : process.getuid!();
    const mailGid = root ? NOBODY : process.getgid!();
    if (root) await chown(home, mailUid, mailGid);
    const passwdFile = path.join(dir, 'passwd');
    await writeFile(passwdFile, passwdLine(user, password, mailUid, mailGid, home), { mode: 0o644 });
    const conf = path.join(dir, 'dovecot.conf');
    await writeFile(conf, configuration({ dir, port, passwdFile, root, group: root ? 'dovecot' : await groupName(mailGid) }));
    const server = new DovecotServer({ binaries, conf, dir, port, user, password, home, passwdFile, mailUid, mailGid });
    try {
      await server.start();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  } catch (error) {
    directories.delete(dir);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** passwd-file: user:password:uid:gid:(gecos):home:(shell):(extra fields). */
function passwdLine(user: string, password: string, uid: number, gid: number, home: string): string {
  return `${user}:{PLAIN}${password}:${uid}:${gid}::${home}::\n`;
}

/** The smallest dovecot.conf for IMAP on one port, everything inside `dir`. */
function configuration(c: { dir: string; port: number; passwdFile: string; root: boolean; group: string }): string {
  // Unprivileged (a developer's own account), every Dovecot process runs as that user.
  const self = userInfo().username;
  return `# Written by test/fakes/email/dovecot.ts for one test run; no !include of /etc/dovecot.
instance_name = switchboard-test-${c.port}
base_dir = ${c.dir}/run
state_dir = ${c.dir}/state
log_path = ${c.dir}/dovecot.log
protocols = imap
listen = ${HOST}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password answers at once, not after the default 2 s.
auth_failure_delay = 0
default_internal_user = ${c.root ? 'dovecot' : self}
default_login_user = ${c.root ? 'dovenull' : self}
${c.root ? '' : `default_internal_group = ${c.group}\n`}first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = never
mail_max_userip_connections = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${c.passwdFile}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${c.passwdFile}
}
service imap-login {
  inet_listener imap {
    address = ${HOST}
    port = ${c.port}
  }
  inet_listener imaps {
    port = 0
  }
${c.root ? '' : '  chroot =\n'}}
# doveadm runs as the mail user and reports to stats-writer (else it logs "Permission denied").
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
# No growing delay for a client that keeps failing to log in (tests do that on purpose).
service anvil {
${c.root ? '' : '  chroot =\n'}  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`;
}

class DovecotServer implements Dovecot {
  readonly host = HOST;
  readonly mailbox = 'INBOX' as const;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private output = '';
  private stopped = false;

  readonly dir: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  private readonly binaries: { dovecot: string; doveadm: string };
  private readonly conf: string;
  private readonly home: string;
  private readonly passwdFile: string;
  private readonly mailUid: number;
  private readonly mailGid: number;

  constructor(o: { binaries: { dovecot: string; doveadm: string }; conf: string; dir: string; port: number; user: string; password: string; home: string; passwdFile: string; mailUid: number; mailGid: number }) {
    this.binaries = o.binaries;
    this.conf = o.conf;
    this.dir = o.dir;
    this.port = o.port;
    this.user = o.user;
    this.password = o.password;
    this.home = o.home;
    this.passwdFile = o.passwdFile;
    this.mailUid = o.mailUid;
    this.mailGid = o.mailGid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async deliver(raw: Buffer | string, mailbox = 'INBOX'): Promise<void> {
    await this.doveadm(['save', '-m', mailbox], typeof raw === 'string' ? Buffer.from(raw) : raw);
  }

  async messages(mailbox = 'INBOX'): Promise<DovecotMessage[]> {
    await this.assertMailbox(mailbox);
    const out = await this.doveadm(['-f', 'json', 'fetch', 'uid flags hdr.message-id', 'mailbox', mailbox, 'all']);
    const rows = parseJson<Record<string, string>[]>(out, 'doveadm fetch');
    return rows
      .map((row) => ({
        uid: Number(row.uid),
        flags: (row.flags ?? '').split(/\s+/).filter((flag) => flag !== '' && flag !== '\\Recent'),
        messageId: row['hdr.message-id']?.replace(/\s+/g, ' ').trim() || undefined,
      }))
      .sort((a, b) => a.uid - b.uid);
  }

  async createMailbox(name: string): Promise<void> {
    await this.doveadm(['mailbox', 'create', name]);
  }

  async uidValidity(mailbox = 'INBOX'): Promise<number> {
    const out = await this.doveadm(['-f', 'json', 'mailbox', 'status', 'uidvalidity', mailbox]);
    const value = Number(parseJson<{ uidvalidity?: string }[]>(out, 'doveadm mailbox status')[0]?.uidvalidity);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`doveadm mailbox status: no UIDVALIDITY for ${mailbox}: ${out}`);
    return value;
  }

  async changeUidValidity(mailbox = 'INBOX', options: { renumber?: boolean } = {}): Promise<number> {
    const before = await this.uidValidity(mailbox);
    if (options.renumber) {
      // Maildir++: INBOX is ~/Maildir itself, other mailboxes ~/Maildir/.<name>. Without its
      // dovecot-uidlist and indexes Dovecot rediscovers the files as new mail: fresh
      // UIDVALIDITY, UIDs from 1; the flags live in the file names, so they survive.
      // A running imap process with the mailbox selected would write its cached index and
      // UID list straight back, so the server is down meanwhile (connections drop).
      const wasRunning = this.running;
      await this.halt();
      const folder = mailbox.toUpperCase() === 'INBOX' ? path.join(this.home, 'Maildir') : path.join(this.home, 'Maildir', `.${mailbox}`);
      for (const file of await readdir(folder)) {
        if (file === 'dovecot-uidlist' || file.startsWith('dovecot.index')) await unlink(path.join(folder, file));
      }
      // Dovecot takes the new value from a per-user counter (~/Maildir/dovecot-uidvalidity),
      // which an earlier `mailbox update` may have matched: then bump it as below.
      if ((await this.uidValidity(mailbox)) === before) await this.setUidValidity(mailbox, nextUidValidity(before));
      if (wasRunning) await this.start();
    } else {
      await this.setUidValidity(mailbox, nextUidValidity(before));
    }
    const after = await this.uidValidity(mailbox);
    if (after === before) throw new Error(`changeUidValidity: UIDVALIDITY of ${mailbox} is still ${before}`);
    return after;
  }

  async markSeen(mailbox = 'INBOX', uids?: number[]): Promise<void> {
    await this.flags('add', mailbox, uids);
  }

  async markUnseen(mailbox = 'INBOX', uids?: number[]): Promise<void> {
    await this.flags('remove', mailbox, uids);
  }

  async setPassword(password: string): Promise<void> {
    if (/[\n\r]/.test(password)) throw new Error('setPassword: a password cannot contain a line break');
    // Written to a new file and renamed over, so an auth lookup never reads half of it.
    const next = `${this.passwdFile}.next`;
    await writeFile(next, passwdLine(this.user, password, this.mailUid, this.mailGid, this.home), { mode: 0o644 });
    await rename(next, this.passwdFile);
    // Dovecot's auth process looks at the file at most once a second: wait until it has.
    if (!this.running) return;
    const until = Date.now() + 5_000;
    for (;;) {
      const accepted = await this.doveadm(['auth', 'test', this.user, password], undefined, { asServer: true }).then(
        () => true,
        () => false,
      );
      if (accepted) return;
      if (Date.now() > until) throw new Error('setPassword: Dovecot still refuses the new password after 5 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async flags(change: 'add' | 'remove', mailbox: string, uids: number[] | undefined): Promise<void> {
    if (uids?.length === 0) return;
    await this.assertMailbox(mailbox);
    await this.doveadm(['flags', change, '\\Seen', 'mailbox', mailbox, ...(uids ? ['uid', uids.join(',')] : ['all'])]);
  }

  private async setUidValidity(mailbox: string, value: number): Promise<void> {
    await this.doveadm(['mailbox', 'update', '--uid-validity', String(value), mailbox]);
  }

  async restart(): Promise<void> {
    await this.halt();
    await this.start();
  }

  async start(): Promise<void> {
    if (this.stopped) throw new Error('Dovecot: start() after stop(); its directory is gone');
    if (this.child) return;
    this.output = '';
    // Its own process group, so halt() can signal the imap processes too (see there).
    const child = spawn(this.binaries.dovecot, ['-F', '-c', this.conf], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    running.add(child);
    const append = (chunk: Buffer) => (this.output += chunk.toString());
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    let exitedEarly: Error | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        exitedEarly = error;
        resolve();
      });
      child.once('exit', (code, signal) => {
        exitedEarly ??= new Error(`dovecot exited (${signal ?? code})`);
        resolve();
      });
    }).then(() => {
      running.delete(child);
      if (this.child === child) this.child = undefined;
    });
    try {
      await this.waitForGreeting(() => exitedEarly);
    } catch (error) {
      await this.halt();
      throw new Error(`${(error as Error).message}\n--- dovecot output ---\n${this.output}\n--- ${this.dir}/dovecot.log ---\n${await this.log()}`);
    }
  }

  async halt(): Promise<void> {
    const child = this.child;
    if (!child) return;
    // SIGTERM to the whole group: the master alone exits within a second but leaves its imap
    // processes serving their clients for up to ~10 s more (they notice the master is gone
    // late); signalled directly, each says `* BYE Server shutting down.` and closes at once.
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
    // Whatever of the group outlived the master (the log process, a stuck imap).
    signalGroup(child, 'SIGKILL');
  }

  async log(): Promise<string> {
    return readFile(path.join(this.dir, 'dovecot.log'), 'utf8').catch(() => '');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.halt();
    this.stopped = true;
    directories.delete(this.dir);
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Polls the port until Dovecot's greeting arrives (or the master died). */
  private async waitForGreeting(died: () => Error | undefined, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const early = died();
      if (early) throw new Error(`Dovecot did not start: ${early.message}`);
      const greeting = await readGreeting(this.port).catch(() => '');
      if (greeting.startsWith('* OK')) return;
      if (Date.now() > until) throw new Error(`Dovecot did not greet on ${HOST}:${this.port} within ${timeoutMs} ms (last: ${JSON.stringify(greeting)})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** doveadm works on the storage directly, so it needs no running server. */
  private async assertMailbox(mailbox: string): Promise<void> {
    // doveadm fetch answers [] for a mailbox that does not exist; say so instead.
    await this.uidValidity(mailbox);
  }

  /**
   * doveadm as the mail user itself: no `-u` (whose userdb lookup needs the running auth
   * service) but USER and HOME, with the user's uid, so it works while the server is halted
   * too, like an MTA's local delivery while IMAP is down.
   */
  private doveadm(args: string[], input?: Buffer, options: { asServer?: boolean } = {}): Promise<string> {
    if (this.stopped) return Promise.reject(new Error('Dovecot: used after stop()'));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', USER: this.user, HOME: this.home };
    // `asServer`: as ourselves, for the commands that talk to the server's sockets (auth).
    const ids = options.asServer ? { uid: process.getuid!(), gid: process.getgid!() } : { uid: this.mailUid, gid: this.mailGid };
    return run(this.binaries.doveadm, ['-c', this.conf, ...args], { input, env, ...ids });
  }
}

/** UIDVALIDITY is a non-zero 32-bit number. */
function nextUidValidity(value: number): number {
  return value >= 0xffff_fffe ? 1 : value + 1;
}

/** Signals the master's process group (the master and every process it forked); gone is fine. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // ESRCH: the group is gone already
  }
}

/** Runs a command, resolving with its stdout; a non-zero exit rejects with its stderr. */
function run(command: string, args: string[], o: { input?: Buffer; env: NodeJS.ProcessEnv; uid: number; gid: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const ids = process.getuid?.() === o.uid ? {} : { uid: o.uid, gid: o.gid };
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: o.env, cwd: '/', ...ids });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const out = Buffer.concat(stdout).toString();
      const err = Buffer.concat(stderr).toString().trim();
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${err || out}`));
    });
    child.stdin.on('error', () => {}); // a command that exits early closes its stdin: the exit code tells
    child.stdin.end(o.input);
  });
}

/** Connects, reads the first line the server sends, and hangs up. */
function readGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, HOST);
    let data = '';
    const timer = setTimeout(() => finish(new Error('no greeting')), 1_000);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(data.split('\r\n')[0]!);
    };
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) finish();
    });
    socket.on('error', finish);
    socket.on('close', () => finish(new Error('closed before greeting')));
  });
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${what}: unexpected output ${JSON.stringify(text)}`);
  }
}

/** Finds a Dovecot binary on PATH or in Debian's sbin (not on a non-root user's PATH). */
function findBinary(name: 'dovecot' | 'doveadm'): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(`${name} not found: dovecot-imapd is not installed: apt-get install dovecot-imapd`);
}

/** The name of group `gid` (Dovecot's settings want names), from /etc/group. */
async function groupName(gid: number): Promise<string> {
  const groups = await readFile('/etc/group', 'utf8').catch(() => '');
  const name = groups.split('\n').map((line) => line.split(':')).find((fields) => fields[2] === String(gid))?.[0];
  if (!name) throw new Error(`startDovecot: no name for group ${gid} in /etc/group (Dovecot needs one)`);
  return name;
}

/** As root the mail and login processes run as other users, who must reach the directory. */
async function assertTraversable(dir: string): Promise<void> {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (((await stat(at)).mode & 0o001) === 0) {
      throw new Error(`startDovecot: Dovecot's users (dovecot, dovenull, nobody) cannot pass through ${at} (the temp dir is ${dir}); chmod o+x it or set TMPDIR`);
    }
    if (at === path.dirname(at)) return;
  }
}

/** A test process that dies without stop() must not leave Dovecots behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) signalGroup(child, 'SIGKILL');
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  });
}
