import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSwitchboard, type Switchboard, type SwitchboardOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export const TEST_API_TOKEN = 'test-api-token-0123456789abcdef';

export interface TestSwitchboard extends Switchboard {
  db: TestDatabase;
  dataDir: string;
  /** POSTs a customer message to the API channel and returns the JSON answer. */
  inbound(body: Record<string, unknown>): Promise<{ status: number; json: any }>;
  /** Stops the instance and drops its database. */
  close(): Promise<void>;
}

export interface TestSwitchboardOptions extends Omit<SwitchboardOptions, 'config'> {
  env?: Record<string, string>;
  /** Reuse a database (a second instance, a restart); otherwise a fresh one is made. */
  db?: TestDatabase;
}

/** Starts a real instance on a fresh cloned database, on 127.0.0.1 and a free port. */
export async function startTestSwitchboard(options: TestSwitchboardOptions = {}): Promise<TestSwitchboard> {
  const db = options.db ?? (await createTestDatabase());
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-test-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    API_CHANNEL_TOKEN: TEST_API_TOKEN,
    ...options.env,
  });
  const app = await startSwitchboard({
    hostname: '127.0.0.1',
    logger: createLogger(config.logLevel),
    delivery: { baseDelayMs: 50, maxDelayMs: 500, ...options.delivery },
    ...options,
    config,
  });
  return {
    ...app,
    db,
    dataDir,
    async inbound(body) {
      const response = await fetch(`${app.url}/api/v1/inbound`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: await response.json() };
    },
    async close() {
      await app.stop();
      if (!options.db) await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
