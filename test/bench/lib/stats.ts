/** Percentiles, medians and the printed table. */

export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export const median = (samples: readonly number[]) => percentile(samples, 0.5);

/** Rounds for printing: 3 significant decimals for ratios, 1 for milliseconds. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface Row {
  name: string;
  value: number;
  unit: string;
  /** e.g. ">= 0.5"; empty when the figure has no goal. */
  goal?: { op: '>=' | '<=' | '='; target: number };
  note?: string;
}

export function meets(row: Row): boolean | undefined {
  if (!row.goal) return undefined;
  const { op, target } = row.goal;
  return op === '>=' ? row.value >= target : op === '<=' ? row.value <= target : row.value === target;
}

/** A plain-text table: name, value, unit, goal, verdict, note. */
export function table(rows: readonly Row[]): string {
  const cells = rows.map((r) => {
    const ok = meets(r);
    return [r.name, String(r.value), r.unit, r.goal ? `${r.goal.op} ${r.goal.target}` : '', ok === undefined ? '' : ok ? 'ok' : 'SHORT', r.note ?? ''];
  });
  const header = ['figure', 'value', 'unit', 'goal', '', 'how'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 1 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function resultLine(row: Row): string {
  return `RESULT ${row.name}=${row.value}`;
}
