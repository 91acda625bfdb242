import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeNotices, findNotice, openNotice, refreshQr, type NoticeKind, type NoticeRow } from '../../src/channels/connections-sql.ts';
import type { SlackMessage } from '../fakes/slack/types.ts';
import { ESCALATIONS, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk();
});
afterAll(() => desk?.close());

// A PNG's signature and a few bytes: enough for Slack to take it as an image upload.
const QR_PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

const observerOf = (app: SlackDesk['app']) => {
  const observe = app.modules.find((m) => m.name === 'slack')?.noticeObserver;
  if (!observe) throw new Error('the Slack module has no notice observer');
  return observe;
};

/** Opens a notice as a connection holder's report does: the row and its observers in one transaction. */
async function open(module: string, kind: NoticeKind, detail: string, qr: { qrText?: string; qrPng?: Uint8Array } = {}, app = desk.app): Promise<NoticeRow> {
  return app.database.sql.begin(async (tx) => {
    const notice = await openNotice(tx, { module, kind, detail, ...qr });
    if (!notice) throw new Error(`a ${kind} notice is already open for ${module}`);
    await observerOf(app)(tx, notice, 'opened');
    return notice;
  });
}

async function close(module: string, app = desk.app, resolution?: string): Promise<NoticeRow[]> {
  return app.database.sql.begin(async (tx) => {
    const closed = await closeNotices(tx, module, resolution ?? null);
    for (const notice of closed) await observerOf(app)(tx, notice, 'closed');
    return closed;
  });
}

/** A new QR code for the open login notice, as a second login-required report brings it. */
async function refresh(module: string, qr: { qrText: string; qrPng: Uint8Array }): Promise<NoticeRow | undefined> {
  return desk.app.database.sql.begin(async (tx) => {
    const notice = await refreshQr(tx, module, qr);
    if (notice) await observerOf(desk.app)(tx, notice, 'refreshed');
    return notice;
  });
}

/** The Slack file the post's image block shows. */
const qrFileOf = (message: SlackMessage): string => {
  const image = (message.blocks as { type: string; slack_file?: { id: string } }[] | undefined)?.find((b) => b.type === 'image');
  if (!image?.slack_file) throw new Error('the post shows no QR image');
  return image.slack_file.id;
};

/** The observer told again about a change it already handled (a repeated job must not post twice). */
async function tellAgain(notice: NoticeRow, change: 'opened' | 'closed'): Promise<void> {
  await desk.app.database.sql.begin((tx) => observerOf(desk.app)(tx, notice, change));
}

const about = (channel: string, module: string) => desk.slack.messages(channel).filter((m) => m.text.includes(module));
const posted = async (id: string) => {
  await expect.poll(async () => (await findNotice(desk.app.database.sql, id))?.slackTs, { timeout: 15_000 }).toBeTruthy();
  return (await findNotice(desk.app.database.sql, id))!;
};
const recovered = async (id: string) => {
  await expect.poll(async () => (await findNotice(desk.app.database.sql, id))?.recoveryPostedAt, { timeout: 15_000 }).toBeTruthy();
  return (await findNotice(desk.app.database.sql, id))!;
};
const settle = () => new Promise((r) => setTimeout(r, 1_000));

describe('operator notices in Slack', () => {
  it('posts the login QR code once to the escalation channel, as an image in the post, and turns the post into its recovery', async () => {
    const notice = await open('whatsapp-web', 'login-required', 'the linked device was logged out', { qrText: 'QR-TEXT', qrPng: QR_PNG });
    const row = await posted(notice.id);
    expect(row.slackChannel).toBe(ESCALATIONS);
    const [message, ...others] = about(ESCALATIONS, 'whatsapp-web');
    expect(others).toEqual([]);
    const text = ':warning: whatsapp-web needs attention: scan the QR code to link the device — the linked device was logged out';
    expect(message).toMatchObject({ ts: row.slackTs, text });
    expect(message!.files).toBeUndefined(); // uploaded unshared: the image block shows it
    expect(new Uint8Array(desk.slack.fileContent(qrFileOf(message!))!)).toEqual(QR_PNG);

    await tellAgain(notice, 'opened');
    await settle();
    expect(about(ESCALATIONS, 'whatsapp-web')).toHaveLength(1);

    const [closed] = await close('whatsapp-web', desk.app, 'linked as +15550009999');
    await recovered(notice.id);
    await tellAgain(closed!, 'closed');
    await settle();
    const now = desk.slack.message(ESCALATIONS, row.slackTs!)!;
    expect(now.text).toBe(':white_check_mark: whatsapp-web is back: linked as +15550009999');
    expect(now.blocks).toBeUndefined();
    expect(desk.slack.thread(ESCALATIONS, row.slackTs!)).toHaveLength(1);
    expect(about(ESCALATIONS, 'whatsapp-web')).toHaveLength(1);
  });

  it('shows a rotated QR code in the same post, and a repeated one changes nothing', async () => {
    const notice = await open('linked-app', 'login-required', 'scan to link', { qrText: 'QR-1', qrPng: QR_PNG });
    const row = await posted(notice.id);
    const first = qrFileOf(desk.slack.message(ESCALATIONS, row.slackTs!)!);
    const second = new Uint8Array([...QR_PNG, 9, 9]);
    await refresh('linked-app', { qrText: 'QR-2', qrPng: second });
    await expect.poll(() => qrFileOf(desk.slack.message(ESCALATIONS, row.slackTs!)!), { timeout: 15_000 }).not.toBe(first);
    const shown = desk.slack.message(ESCALATIONS, row.slackTs!)!;
    expect(new Uint8Array(desk.slack.fileContent(qrFileOf(shown))!)).toEqual(second);
    expect(shown.text).toMatch(/^:warning: linked-app needs attention: scan the QR code to link the device — scan to link \(QR code refreshed <!date\^\d+\^\{time_secs\}\|/);
    expect(await refresh('linked-app', { qrText: 'QR-2', qrPng: second })).toBeUndefined();
    expect(about(ESCALATIONS, 'linked-app')).toHaveLength(1);
  });

  it('posts a text QR code in a code block when there is no image, and each new incident once more', async () => {
    const first = await open('signal', 'login-required', 'link the device', { qrText: 'sgnl://linkdevice?uuid=abc' });
    const row = await posted(first.id);
    expect(desk.slack.message(ESCALATIONS, row.slackTs!)?.text).toBe(
      ':warning: signal needs attention: scan the QR code to link the device — link the device\n```sgnl://linkdevice?uuid=abc```',
    );
    expect(desk.slack.message(ESCALATIONS, row.slackTs!)?.files).toBeUndefined();
    await close('signal');
    await recovered(first.id);

    const second = await open('signal', 'session-lost', 'logged out on the phone');
    const again = await posted(second.id);
    expect(again.slackTs).not.toBe(row.slackTs);
    expect(desk.slack.message(ESCALATIONS, again.slackTs!)?.text).toBe(':warning: signal needs attention: its session was lost and it must be linked again — logged out on the phone');
    expect(about(ESCALATIONS, 'signal').filter((m) => m.text.startsWith(':warning:'))).toHaveLength(2);
  });

  it('retries while Slack fails and posts the notice once it is back', async () => {
    desk.slack.failNext('chat.postMessage', 1, 500);
    const notice = await open('discord', 'token-refused', 'HTTP 401 from the gateway');
    const row = await posted(notice.id);
    expect(desk.slack.callsTo('chat.postMessage').some((c) => c.status === 500)).toBe(true);
    expect(about(ESCALATIONS, 'discord').map((m) => m.ts)).toEqual([row.slackTs]);
    expect(about(ESCALATIONS, 'discord')[0]!.text).toBe(':warning: discord needs attention: the platform refused its token (check the configured token) — HTTP 401 from the gateway');
  });

  it('does not post a notice closed before it could be, and says in the channel what the recovery was about', async () => {
    desk.slack.failFor('chat.postMessage', 2_500, 503);
    const notice = await open('telegram', 'reconnecting', 'gateway closed the connection');
    await close('telegram');
    const row = await recovered(notice.id);
    await settle();
    expect(row.slackTs).toBeNull();
    const lines = about(ESCALATIONS, 'telegram').map((m) => m.text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^:white_check_mark: telegram is back: connected \(it needed attention since <!date.*>: its connection dropped and it is reconnecting\)$/);
  });

  it('uses the triage channel when no escalation channel is set', async () => {
    const other = await startSlackDesk({ env: { SLACK_ESCALATION_CHANNEL: '' } });
    try {
      const notice = await open('email', 'session-lost', 'IMAP login failed', {}, other.app);
      await expect.poll(async () => (await findNotice(other.app.database.sql, notice.id))?.slackChannel, { timeout: 15_000 }).toBe(TRIAGE);
      expect(other.slack.messages(TRIAGE).map((m) => m.text)).toEqual([':warning: email needs attention: its session was lost and it must be linked again — IMAP login failed']);
      expect(other.slack.messages(ESCALATIONS)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
