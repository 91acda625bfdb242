import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/jobs/index.ts';
import { lastWeek } from '../../src/reports/index.ts';
import { manualClock } from '../../src/shared/clock.ts';
import { startSlackEmulator, type SlackEmulator } from '../fakes/slack/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';
import { waitFor } from '../sla/engine-helpers.ts';

// issue 19's last acceptance line: with two instances running the schedule, the weekly digest
// is posted once. The schedule here is every minute, checked every second, so its first
// occurrence is due as soon as the instances start; a week is posted once whatever runs again.
const DIGEST = 'C0DIGEST01';
const clock = manualClock(new Date('2026-06-03T09:00:00Z')); // a Wednesday
let slack: SlackEmulator;
let db: TestDatabase;
const instances: TestSwitchboard[] = [];

beforeAll(async () => {
  slack = await startSlackEmulator();
  slack.addChannel({ id: DIGEST, name: 'managers' });
  db = await createTestDatabase();
  for (const name of ['digest-a', 'digest-b']) {
    instances.push(
      await startTestSwitchboard({
        db,
        clock,
        instance: name,
        jobs: { cronMonitorIntervalSeconds: 1 },
        env: {
          SLACK_BOT_TOKEN: slack.botToken,
          SLACK_SIGNING_SECRET: slack.signingSecret,
          SLACK_API_URL: slack.url,
          SLACK_TRIAGE_CHANNEL: 'C0TRIAGE01',
          DIGEST_CHANNEL: DIGEST,
          DIGEST_SCHEDULE: '* * * * *',
          REPORTS_TIMEZONE: 'Europe/Berlin',
        },
      }),
    );
  }
}, 60_000);
afterAll(async () => {
  for (const app of instances) await app.close();
  await db?.drop();
  await slack?.close();
});

const digestJobs = () => db.sql<{ state: string; singletonOn: Date | null }[]>`select state, singleton_on from pgboss.job where name = ${QUEUES.weeklyDigest}`;

describe('the weekly digest', () => {
  it('is posted once with two instances running the schedule, and once however often its job runs', async () => {
    const { week } = lastWeek(new Date(clock.now()), 'Europe/Berlin');
    expect(week).toBe('2026-W22');
    await waitFor('the digest post', async () => slack.messages(DIGEST).length > 0, 20_000);
    // Both instances keep running the schedule; pg-boss sends each minute's occurrence once
    // (one job per occurrence slot; a minute boundary crossed meanwhile makes a second slot).
    await new Promise((r) => setTimeout(r, 3_000));
    const scheduled = await digestJobs();
    const slots = scheduled.map((j) => j.singletonOn?.getTime());
    expect(new Set(slots).size).toBe(scheduled.length);
    expect(scheduled.length).toBeLessThanOrEqual(2);

    // The same job delivered again, through each instance (a retry after a crash, a second
    // occurrence in the week): the week's row says it is done.
    for (const app of instances) await app.jobs.send(app.database.sql, QUEUES.weeklyDigest, {});
    await waitFor('every digest job to finish', async () => {
      const jobs = await digestJobs();
      return jobs.length >= scheduled.length + 2 && jobs.every((j) => j.state === 'completed');
    }, 20_000);

    const posts = slack.messages(DIGEST);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toContain('*Weekly digest · 2026-W22*');
    expect(JSON.stringify(posts[0]!.blocks)).toContain('Changes against the week before');
    const rows = await db.sql<{ week: string; channel: string; slackTs: string; postedAt: Date | null }[]>`select week, channel, slack_ts, posted_at from report_digests`;
    expect(rows).toEqual([{ week: '2026-W22', channel: DIGEST, slackTs: posts[0]!.ts, postedAt: expect.any(Date) }]);
  });
});
