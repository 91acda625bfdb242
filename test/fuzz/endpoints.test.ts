import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';
import { startFuzzDesk, type FuzzDesk } from './desk.ts';
import { FUZZ_ENDPOINTS } from './endpoints.ts';
import { fuzzEndpoints, type FuzzOutcome } from './run.ts';

// `npm run chaos` sends 10,000 generated requests per endpoint to a real process; here a few
// hundred each (FUZZ_RUNS to change it), a new seed each run (FUZZ_SEED to repeat one).
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

let desk: FuzzDesk;
let app: TestSwitchboard;
beforeAll(async () => {
  desk = await startFuzzDesk();
  app = await startTestSwitchboard({ env: desk.env });
  desk.serve(app.url);
});
afterAll(async () => {
  await app?.close();
  await desk?.close();
});

describe(`hostile input (${RUNS} generated requests per endpoint, seed ${SEED})`, () => {
  let outcomes: FuzzOutcome[];
  beforeAll(async () => {
    outcomes = await fuzzEndpoints(FUZZ_ENDPOINTS, { baseUrl: app.url, sql: app.db.sql, secrets: desk.secrets(TEST_API_TOKEN), runs: RUNS, seed: SEED });
  }, 300_000);

  for (const [index, endpoint] of FUZZ_ENDPOINTS.entries()) {
    it(`${endpoint.name}: never answers 5xx, stores nothing for a refused request and an accepted one once`, () => {
      const outcome = outcomes[index]!;
      expect(outcome.failures).toEqual([]);
      expect(outcome.requests).toBeGreaterThanOrEqual(RUNS);
      // The generators reach past the door: some requests are accepted, some refused.
      if (endpoint.name !== 'files') expect(outcome.accepted).toBeGreaterThan(0);
      expect(outcome.refused).toBeGreaterThan(0);
    });
  }
});
