/**
 * The one retry schedule: the first retry after `baseMs`, doubling per attempt up to `maxMs`,
 * each delay spread by ±`jitter` (a share of it) so that many callers failing together (an
 * outage, a restart) do not all come back at the same moment.
 */
export function backoffDelay(options: {
  /** Which retry this is: 1 for the first. */
  attempt: number;
  baseMs: number;
  maxMs: number;
  /** How far a delay may stray either way, as a share of it; 0 for none. */
  jitter?: number;
  /** A number in [0, 1); tests pass a fixed one. */
  random?: () => number;
}): number {
  const { attempt, baseMs, maxMs, jitter = 0.2, random = Math.random } = options;
  const exponential = baseMs * 2 ** Math.max(0, attempt - 1);
  const spread = 1 - jitter + random() * 2 * jitter;
  return Math.min(maxMs, Math.round(exponential * spread));
}
