/**
 * Typed errors of the core. Each surface maps them to its answer in one place: the hono
 * `onError` (HTTP status + JSON body) and the Slack responder (one ephemeral line).
 */

/** One bad environment variable. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Invalid configuration: every problem at once, each naming its variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    // Several parsers read shared variables (PUBLIC_BASE_URL): say each variable's fault once.
    const unique = problems.filter((p, i) => problems.findIndex((q) => q.variable === p.variable) === i);
    super(`invalid configuration:\n${unique.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.problems = unique;
  }
}

/** Something asked for does not exist (an unknown ticket number). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** A lifecycle transition the table does not allow; the message is one line for the agent. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  readonly from: string;
  readonly event: string;
  constructor(message: string, from: string, event: string) {
    super(message);
    this.from = from;
    this.event = event;
  }
}

/** Input that is well-formed but wrong (a bad field, an unknown user, a reply too long). */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

/** Someone else got there first (two agents claiming one ticket); says who. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** A known caller asking for what its grant does not cover (an API token lacking a scope). */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
  /** The scope the request needed. */
  readonly scope: string;
  constructor(message: string, scope: string) {
    super(message);
    this.scope = scope;
  }
}

/** Too many requests from one caller: try again after `retryAfterSeconds`. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
