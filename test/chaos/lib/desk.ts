/**
 * One chaos desk: a database on the suite's own Postgres, the Twilio emulator, the customer's
 * app for the API channel, a switchboard.yml that acknowledges every new ticket (so every
 * customer message queues a reply), and the app (or two) pointed at them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApiReceiver, type ApiReceiver } from '../../fakes/api/receiver.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../../fakes/twilio/index.ts';
import { chaosApp, CHAOS_API_TOKEN, type ChaosApp } from './app.ts';
import { connectLedger, type Sql } from './ledger.ts';
import { post } from './platform.ts';
import type { ChaosContext } from './scenario.ts';

export const PUBLIC_BASE_URL = 'https://desk.chaos.example';
export const SMS_NUMBER = '+15550000001';

export interface ChaosDesk {
  dbUrl: string;
  sql: Sql;
  twilio: TwilioEmulator;
  customer: ApiReceiver;
  env: Record<string, string>;
  /** Where requests go: the app, or the load balancer in front of two. */
  target(): string;
  setTarget(url: string): void;
  /** The i-th customer message through the API channel (each from a new customer). */
  apiMessage(runId: string, i: number): Promise<number>;
  apiId(runId: string, i: number): string;
  /** The i-th customer SMS through Twilio's signed webhook (each from a new number). */
  smsMessage(runId: string, i: number): Promise<number>;
  smsSid(runId: string, i: number): string;
  app(name?: string, extraEnv?: Record<string, string>): Promise<ChaosApp>;
  /** Everything the apps printed so far. */
  appOutputs(): string;
  close(): Promise<void>;
}

let databases = 0;

export async function startChaosDesk(ctx: ChaosContext, name: string, extraEnv: Record<string, string> = {}): Promise<ChaosDesk> {
  const dbUrl = await ctx.cluster.createDatabase(`chaos_${name}_${process.pid}_${++databases}`);
  const sql = connectLedger(dbUrl);
  let target = '';
  const twilio = await startTwilioEmulator({ sendsPerSecond: 1000, route: (url) => url.replace(PUBLIC_BASE_URL, target) });
  const customer = await startApiReceiver(CHAOS_API_TOKEN);
  const configDir = await mkdtemp(path.join(tmpdir(), 'switchboard-chaos-config-'));
  const configFile = path.join(configDir, 'switchboard.yml');
  await writeFile(configFile, 'customer:\n  acknowledgement: {}\n');
  const env = {
    DATABASE_URL: dbUrl,
    PUBLIC_BASE_URL,
    SWITCHBOARD_CONFIG: configFile,
    API_CHANNEL_WEBHOOK_URL: customer.url,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_SMS_FROM: SMS_NUMBER,
    TWILIO_API_URL: twilio.url,
    TWILIO_SEND_RATE: '200',
    ...extraEnv,
  };
  const apps: ChaosApp[] = [];
  const sid = (runId: string, i: number) => `SM${Buffer.from(`${runId}-${i}`).toString('hex').padEnd(32, '0').slice(0, 32)}`;
  const desk: ChaosDesk = {
    dbUrl,
    sql,
    twilio,
    customer,
    env,
    target: () => target,
    setTarget: (url) => void (target = url),
    apiId: (runId, i) => `${runId}-${i}`,
    apiMessage: (runId, i) =>
      post(`${target}/api/v1/inbound`, { authorization: `Bearer ${CHAOS_API_TOKEN}`, 'content-type': 'application/json' }, JSON.stringify({ id: `${runId}-${i}`, from: `${runId}-${i}@chaos.example`, name: `Customer ${i}`, text: `Message ${i}: my order has not arrived` })),
    smsSid: sid,
    async smsMessage(runId, i) {
      const params = twilio.inboundSms({ from: `+1555${String(1_000_000 + (hash(runId) % 1000) * 1000 + i).padStart(7, '0')}`, to: SMS_NUMBER, body: `SMS ${i}: where is my parcel?`, sid: sid(runId, i) });
      const response = await twilio.post(`${PUBLIC_BASE_URL}/webhooks/twilio`, params);
      await response.arrayBuffer();
      return response.status;
    },
    async app(appName = 'app', more = {}) {
      const app = await chaosApp({ ...env, ...more }, { name: `${name}-${appName}` });
      apps.push(app);
      return app;
    },
    appOutputs: () => apps.map((a) => a.output()).join('\n'),
    async close() {
      for (const app of apps) await app.close();
      await sql.end({ timeout: 1 });
      await twilio.close();
      await customer.close();
      await rm(configDir, { recursive: true, force: true });
    },
  };
  return desk;
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}
