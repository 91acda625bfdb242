import type { BenchPostgres } from './postgres.ts';
import type { Row } from './stats.ts';

/** What every benchmark gets from the runner. */
export interface BenchContext {
  pg: BenchPostgres;
  /** `--quick`: shorter phases and smaller volumes, for trying the harness out. */
  quick: boolean;
  /** A progress line on stderr (the table and RESULT lines go to stdout). */
  progress(message: string): void;
}

export interface Bench {
  name: string;
  /** What it measures, one line. */
  about: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
