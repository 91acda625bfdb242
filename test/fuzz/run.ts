/**
 * Sends generated requests to a running instance one at a time and checks each answer against
 * what the database holds: no 5xx, nothing stored for a refused (4xx) request, and an accepted
 * one stored at most once — sent again, as a platform retries, it adds nothing.
 */
import fc from 'fast-check';
import type { Sql } from '../../src/db/index.ts';
import type { FuzzEndpoint, FuzzRequest, FuzzScope, FuzzSecrets } from './endpoints.ts';

export interface FuzzOutcome {
  endpoint: string;
  requests: number;
  accepted: number;
  refused: number;
  /** Answers of 500 or more, or no answer at all. */
  serverErrors: number;
  /** Refused requests after which the database held more. */
  storedForRefused: number;
  /** Accepted requests that, sent again, stored more. */
  storedTwice: number;
  /** The first few failures, each with the request that caused it. */
  failures: string[];
}

/**
 * What a request of `scope` can add: a channel's customer messages (and Twilio's early delivery
 * reports), Slack events queued. Only intake and the Slack receiver write these, so background
 * jobs do not move them, and endpoints of different scopes can be fuzzed side by side.
 */
export async function footprint(sql: Sql, scope: FuzzScope): Promise<string> {
  const inbound = (channels: string[]) => sql<{ f: string }[]>`select count(*)::text as f from messages where direction = 'inbound' and channel in ${sql(channels)}`;
  const rows = await (scope === 'api'
    ? inbound(['api'])
    : scope === 'twilio'
      ? sql<{ f: string }[]>`select concat_ws('/', (select count(*) from messages where direction = 'inbound' and channel in ('sms', 'whatsapp')), (select count(*) from early_delivery_reports)) as f`
      : scope === 'telegram'
        ? inbound(['telegram'])
        : scope === 'slack'
          ? sql<{ f: string }[]>`select count(*)::text as f from slack_events`
          : Promise.resolve([{ f: '' }]));
  return rows[0]!.f;
}

function describe(request: FuzzRequest): string {
  const body = request.body === undefined ? '' : typeof request.body === 'string' ? JSON.stringify(request.body.slice(0, 300)) : `bytes ${Buffer.from(request.body.slice(0, 100)).toString('hex')}`;
  return `${request.method} ${request.path.slice(0, 200)} ${JSON.stringify(request.headers['content-type'] ?? '')} ${body}`;
}

async function send(baseUrl: string, request: FuzzRequest): Promise<{ status: number; text: string }> {
  try {
    const response = await fetch(`${baseUrl}${request.path}`, { method: request.method, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }), signal: AbortSignal.timeout(30_000) });
    return { status: response.status, text: (await response.text()).slice(0, 300) };
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, text: `no answer: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}` };
  }
}

export async function fuzzEndpoint(
  endpoint: FuzzEndpoint,
  options: { baseUrl: string; sql: Sql; secrets: FuzzSecrets; runs: number; seed: number; onProgress?: (done: number) => void },
): Promise<FuzzOutcome> {
  const outcome: FuzzOutcome = { endpoint: endpoint.name, requests: 0, accepted: 0, refused: 0, serverErrors: 0, storedForRefused: 0, storedTwice: 0, failures: [] };
  const fail = (what: string, request: FuzzRequest, answer: { status: number; text: string }) => {
    if (outcome.failures.length < 5) outcome.failures.push(`${endpoint.name}: ${what}: answered ${answer.status} ${answer.text}\n  to ${describe(request)}`);
  };
  const arbitrary = endpoint.requests(options.secrets);
  const CHUNK = 250;
  for (let first = 0; first < options.runs; first += CHUNK) {
    // Generated a chunk at a time: huge strings are not all held at once.
    const batch = fc.sample(arbitrary, { numRuns: Math.min(CHUNK, options.runs - first), seed: options.seed + first });
    for (const request of batch) {
      const before = await footprint(options.sql, endpoint.scope);
      const answer = await send(options.baseUrl, request);
      outcome.requests += 1;
      if (answer.status >= 500 || answer.status === 0) {
        outcome.serverErrors += 1;
        fail('server error', request, answer);
        continue;
      }
      const after = await footprint(options.sql, endpoint.scope);
      if (answer.status >= 400) {
        outcome.refused += 1;
        if (after !== before) {
          outcome.storedForRefused += 1;
          fail(`stored for a refused request (${before} -> ${after})`, request, answer);
        }
        continue;
      }
      outcome.accepted += 1;
      if (!endpoint.replayable) continue;
      const again = await send(options.baseUrl, request);
      outcome.requests += 1;
      if (again.status >= 500 || again.status === 0) {
        outcome.serverErrors += 1;
        fail('server error on the retry of an accepted request', request, again);
        continue;
      }
      const afterAgain = await footprint(options.sql, endpoint.scope);
      if (afterAgain !== after) {
        outcome.storedTwice += 1;
        fail(`stored again on retry (${after} -> ${afterAgain})`, request, again);
      }
    }
    options.onProgress?.(outcome.requests);
  }
  return outcome;
}

/**
 * Fuzzes every endpoint: those of one scope one after another, the scopes side by side (their
 * footprints are disjoint). Outcomes in the order of `endpoints`.
 */
export async function fuzzEndpoints(
  endpoints: readonly FuzzEndpoint[],
  options: Omit<Parameters<typeof fuzzEndpoint>[1], 'onProgress'> & { onDone?: (outcome: FuzzOutcome) => void },
): Promise<FuzzOutcome[]> {
  const outcomes = new Map<FuzzEndpoint, FuzzOutcome>();
  const scopes = [...new Set(endpoints.map((e) => e.scope))];
  await Promise.all(
    scopes.map(async (scope) => {
      for (const endpoint of endpoints.filter((e) => e.scope === scope)) {
        const outcome = await fuzzEndpoint(endpoint, options);
        outcomes.set(endpoint, outcome);
        options.onDone?.(outcome);
      }
    }),
  );
  return endpoints.map((e) => outcomes.get(e)!);
}
