import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from './index.ts';
import { recordingLogger } from './recording-logger.ts';

let slack: SlackEmulator;
let client: WebClient;
beforeEach(async () => {
  slack = await startSlackEmulator({ rateLimits: false });
  client = new WebClient(slack.botToken, { slackApiUrl: slack.url, logger: recordingLogger(), retryConfig: { retries: 0 } });
});
afterEach(() => slack.close());

describe('file upload v2 (client.filesUploadV2)', () => {
  it('uploads a customer photo into the ticket thread as a message with files', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'Ticket #9' });
    const bytes = Buffer.from('\x89PNG fake image bytes');
    const result = await client.filesUploadV2({
      channel_id: 'C0TRIAGE01',
      thread_ts: parent.ts!,
      file: bytes,
      filename: 'photo.png',
      title: 'Photo from Maria',
      initial_comment: 'Maria sent a photo',
    });
    expect(result.ok).toBe(true);
    const [reply] = slack.thread('C0TRIAGE01', parent.ts!).slice(1);
    expect(reply).toMatchObject({ text: 'Maria sent a photo', thread_ts: parent.ts, bot_id: slack.botId, upload: true });
    expect(reply?.files).toMatchObject([{ name: 'photo.png', title: 'Photo from Maria', mimetype: 'image/png', size: bytes.length }]);
    expect(slack.fileContent(reply!.files![0]!.id)).toEqual(bytes);
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
  });

  it('shares several files in one message', async () => {
    await client.filesUploadV2({
      channel_id: 'C0GENERAL1',
      initial_comment: 'two files',
      file_uploads: [
        { content: 'a,b\n1,2\n', filename: 'report.csv' },
        { content: 'hello', filename: 'note.txt' },
      ],
    });
    const [message] = slack.messages('C0GENERAL1');
    expect(message?.files?.map((f) => f.name)).toEqual(['report.csv', 'note.txt']);
  });

  it('serves url_private to the bot token and the HTML sign-in page to anyone else', async () => {
    await client.filesUploadV2({ channel_id: 'C0TRIAGE01', content: 'invoice body', filename: 'invoice.txt' });
    const url = slack.messages('C0TRIAGE01')[0]!.files![0]!.url_private;
    const authed = await fetch(url, { headers: { authorization: `Bearer ${slack.botToken}` } });
    expect(await authed.text()).toBe('invoice body');
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('tells through files.info where an upload was shared, with the ts of the message carrying it', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'Ticket #4' });
    const top = await client.filesUploadV2({ channel_id: 'C0GENERAL1', content: 'qr', filename: 'qr.png', initial_comment: 'scan me' });
    const topId = top.files[0]!.files![0]!.id!;
    const { file } = await client.files.info({ file: topId });
    expect(file?.shares?.public?.C0GENERAL1).toEqual([expect.objectContaining({ ts: slack.messages('C0GENERAL1')[0]!.ts, channel_name: 'general' })]);
    expect(file?.shares?.public?.C0GENERAL1?.[0]?.thread_ts).toBeUndefined();

    const reply = await client.filesUploadV2({ channel_id: 'C0TRIAGE01', thread_ts: parent.ts!, content: 'x', filename: 'x.txt' });
    const { file: inThread } = await client.files.info({ file: reply.files[0]!.files![0]!.id! });
    expect(inThread?.shares?.public?.C0TRIAGE01?.[0]).toMatchObject({ thread_ts: parent.ts, ts: slack.thread('C0TRIAGE01', parent.ts!)[1]!.ts });
    await expect(client.files.info({ file: 'F0NOSUCH' })).rejects.toMatchObject({ data: { error: 'file_not_found' } });
  });

  it('refuses to complete an upload whose bytes never arrived', async () => {
    const { file_id } = await client.files.getUploadURLExternal({ filename: 'x.txt', length: 3 });
    await expect(client.files.completeUploadExternal({ files: [{ id: file_id! }], channel_id: 'C0TRIAGE01' })).rejects.toMatchObject({ data: { error: 'file_not_found' } });
  });

  it('fails the upload step on an injected outage of the upload URL', async () => {
    slack.failNext('upload', 1, 500);
    await expect(client.filesUploadV2({ channel_id: 'C0TRIAGE01', content: 'x', filename: 'x.txt' })).rejects.toMatchObject({ statusCode: 500 });
    expect(slack.messages('C0TRIAGE01')).toEqual([]);
  });
});

describe('files agents drop in Slack', () => {
  it('stores the file in the thread and serves its bytes from url_private', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'Ticket #3' });
    const { event } = slack.userUploads({ user: 'U0AGENT001', channel: 'C0TRIAGE01', thread_ts: parent.ts!, filename: 'fix.pdf', content: '%PDF-1.4', text: 'here you go' });
    expect(event).toMatchObject({ type: 'message', subtype: 'file_share', user: 'U0AGENT001', thread_ts: parent.ts, channel: 'C0TRIAGE01' });
    const file = (event.files as { url_private_download: string; mimetype: string }[])[0]!;
    expect(file.mimetype).toBe('application/pdf');
    const response = await fetch(file.url_private_download, { headers: { authorization: `Bearer ${slack.botToken}` } });
    expect(await response.text()).toBe('%PDF-1.4');
  });
});
