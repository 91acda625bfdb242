import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiReceiver, type ApiReceiver } from '../fakes/api/receiver.ts';
import { deskFile } from '../customer/helpers.ts';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';

// Found by npm run chaos (Postgres restarted mid-load): a reply the platform had accepted was
// sent again because recording it failed. Here Postgres refuses the recording twice (a trigger;
// a sequence counts outside the rolled-back transactions) after the send went out.
let app: TestSwitchboard;
let customer: ApiReceiver;
let config: Awaited<ReturnType<typeof deskFile>>;
beforeAll(async () => {
  customer = await startApiReceiver(TEST_API_TOKEN);
  config = await deskFile('customer:\n  acknowledgement: {}\n');
  app = await startTestSwitchboard({ env: { API_CHANNEL_WEBHOOK_URL: customer.url, SWITCHBOARD_CONFIG: config.file } });
  await app.db.sql.unsafe(`
    create sequence recording_failures;
    create function refuse_recording() returns trigger language plpgsql as $$
    begin
      if new.external_id is not null and old.external_id is null and nextval('recording_failures') <= 2 then
        raise exception 'injected: the database went away';
      end if;
      return new;
    end $$;
    create trigger refuse_recording before update on messages for each row execute function refuse_recording();`);
});
afterAll(async () => {
  await app?.close();
  await customer?.close();
  await config?.remove();
});

describe('a reply the platform accepted but the database could not record at once', () => {
  it('is recorded as sent once the database answers again, and not sent a second time', { timeout: 60_000 }, async () => {
    const { status, json } = await app.inbound({ id: 'recording-1', from: 'rita@example.com', text: 'hello' });
    expect(status).toBe(200);
    await expect.poll(async () => (await app.db.sql<{ delivery: string }[]>`select delivery from messages where direction = 'outbound'`)[0]?.delivery, { timeout: 30_000, interval: 200 }).toBe('sent');
    const [{ failures }] = await app.db.sql<{ failures: string }[]>`select last_value as failures from recording_failures`;
    expect(Number(failures)).toBeGreaterThanOrEqual(3); // two refused, then recorded
    await new Promise((r) => setTimeout(r, 2_000));
    const posts = customer.delivered().filter((reply) => reply.ticket === json.ticket);
    expect(posts).toHaveLength(1);
  });
});
