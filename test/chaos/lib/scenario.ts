import type { Row } from '../../bench/lib/stats.ts';
import type { ChaosCluster } from './cluster.ts';

/** What every scenario gets from the runner. */
export interface ChaosContext {
  cluster: ChaosCluster;
  /** `--quick`: smaller volumes, to try the harness. */
  quick: boolean;
  /** How long an outage lasts ("a minute"): CHAOS_OUTAGE_SECONDS, default 60. */
  outageMs: number;
  progress(message: string): void;
}

export interface Scenario {
  name: string;
  about: string;
  run(ctx: ChaosContext): Promise<Row[]>;
}

/** The rows every scenario reports, with their guarantees as goals. */
export function tallyRows(prefix: string, figures: { acknowledged: number; lost: number; duplicated: number; note?: string }): Row[] {
  return [
    { name: `${prefix}_acknowledged`, value: figures.acknowledged, unit: 'messages', goal: { op: '>=', target: 1 }, ...(figures.note ? { note: figures.note } : {}) },
    { name: `${prefix}_lost`, value: figures.lost, unit: 'messages', goal: { op: '=', target: 0 } },
    { name: `${prefix}_duplicated`, value: figures.duplicated, unit: 'messages', goal: { op: '=', target: 0 } },
  ];
}
