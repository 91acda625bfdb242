import { parseDuration } from './duration.ts';

/** A variable that is set but wrong, in words an operator can act on. */
export interface EnvProblem {
  variable: string;
  message: string;
}

/**
 * The one reader of environment variables: every part of the configuration (core, channels,
 * Slack, SLA) reads through the same instance, which collects every problem so start-up
 * reports them all at once, each naming its variable. A blank value counts as unset. The
 * value is quoted in a problem unless the variable is a secret.
 */
export class EnvReader {
  readonly problems: EnvProblem[] = [];
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #secrets: ReadonlySet<string>;

  constructor(env: Readonly<Record<string, string | undefined>>, secrets: ReadonlySet<string> = new Set()) {
    this.#env = env;
    this.#secrets = secrets;
  }

  /** The trimmed value, or undefined when unset or blank. */
  text(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value ? value : undefined;
  }

  /** The value exactly as set (spaces kept), or undefined when unset or blank. */
  raw(name: string): string | undefined {
    const value = this.#env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  }

  /**
   * Records a problem with `name`; returns undefined so a reader can `return reader.problem(…)`.
   * `quote: false` leaves the value out, for messages that already quote the bad part of it.
   */
  problem(name: string, message: string, options: { quote?: boolean } = {}): undefined {
    const value = this.text(name);
    const quoted = options.quote !== false && value !== undefined && !this.#secrets.has(name) && !message.includes('(got ');
    this.problems.push({ variable: name, message: quoted ? `${message} (got "${value}")` : message });
    return undefined;
  }

  /** A URL with one of `protocols` (default http/https), without trailing slashes. */
  url(name: string, protocols: readonly string[] = ['http:', 'https:']): string | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    let protocol: string | undefined;
    try {
      protocol = new URL(value).protocol;
    } catch {
      protocol = undefined;
    }
    if (!protocol || !protocols.includes(protocol)) return this.problem(name, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    return value.replace(/\/+$/, '');
  }

  /** A number within bounds; `fallback` when unset. */
  number(name: string, options: { fallback: number; min?: number; max?: number; integer?: boolean; positive?: boolean; what?: string }): number {
    const value = this.text(name);
    if (value === undefined) return options.fallback;
    const n = Number(value);
    const what = options.what ?? (options.integer ? 'a whole number' : 'a number');
    if (!Number.isFinite(n) || (options.integer && !Number.isInteger(n))) return this.problem(name, `must be ${what}`) ?? options.fallback;
    if (options.positive && n <= 0) return this.problem(name, `must be ${options.integer ? 'a positive whole number' : 'a positive number'}`) ?? options.fallback;
    if (options.min !== undefined && n < options.min) return this.problem(name, `must be at least ${options.min}`) ?? options.fallback;
    if (options.max !== undefined && n > options.max) return this.problem(name, `must be at most ${options.max}`) ?? options.fallback;
    return n;
  }

  /** A duration (`90s`, `15m`, `7d`) in milliseconds; `fallbackMs` when unset. */
  duration(name: string, fallbackMs: number): number {
    const value = this.text(name);
    if (value === undefined) return fallbackMs;
    try {
      return parseDuration(value);
    } catch (error) {
      return this.problem(name, (error as Error).message) ?? fallbackMs;
    }
  }

  /** true/false (also 1/0, yes/no, on/off); undefined when unset or not one of those (a problem). */
  boolean(name: string): boolean | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (/^(true|1|yes|on)$/i.test(value)) return true;
    if (/^(false|0|no|off)$/i.test(value)) return false;
    return this.problem(name, 'must be true or false');
  }

  /** One of `values`; `fallback` when unset. */
  oneOf<const T extends string>(name: string, values: readonly T[], fallback: T): T {
    const value = this.text(name);
    if (value === undefined) return fallback;
    if ((values as readonly string[]).includes(value)) return value as T;
    return this.problem(name, `must be one of ${values.join(', ')}`) ?? fallback;
  }

  /** Parsed JSON, or undefined (with a problem) when it is not JSON. */
  json(name: string): unknown {
    const value = this.text(name);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch (error) {
      return this.problem(name, `is not valid JSON (${(error as Error).message})`);
    }
  }
}
