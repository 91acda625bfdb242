/**
 * A strict reader of Prometheus' text exposition format (0.0.4), for tests: it refuses what
 * Prometheus would refuse or misread, rather than skipping it.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 * - `# HELP name text` and `# TYPE name type` at most once per family, TYPE before its samples;
 * - a sample is `name{label="value",…} value [timestamp]` with valid names, label values
 *   escaped only as \\ \" \n, and a float value (NaN, +Inf, -Inf allowed);
 * - a family's samples are together; no series twice;
 * - a histogram's buckets carry `le`, are cumulative, and +Inf equals its `_count`.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string | undefined;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: number): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`line ${line}: "${text}" is not a float`);
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without "="`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: bad label name "${name}"`);
    if (name in labels) throw new Error(`line ${line}: label "${name}" twice`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`line ${line}: bad escape \\${next}`);
        j += 2;
        continue;
      }
      if (c === '\n') throw new Error(`line ${line}: raw newline in a label value`);
      value += c;
      j += 1;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i += 1;
    else if (i < text.length) throw new Error(`line ${line}: expected "," between labels`);
  }
  return labels;
}

/** Parses a whole exposition; throws naming the first line that breaks the format. */
export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const familyOf = (sample: string): Family | undefined => {
    for (const suffix of ['', '_bucket', '_sum', '_count']) {
      if (suffix && !sample.endsWith(suffix)) continue;
      const family = families.get(suffix ? sample.slice(0, -suffix.length) : sample);
      if (family && (suffix === '' || family.type === 'histogram' || family.type === 'summary')) return family;
    }
    return undefined;
  };
  const open = (name: string): Family => {
    if (closed.has(name)) throw new Error(`family ${name} appears in two places`);
    if (current && current.name !== name) closed.add(current.name);
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', help: undefined, samples: [] };
      families.set(name, family);
    }
    current = family;
    return family;
  };

  text.slice(0, -1).split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!match) return; // any other comment
      const [, keyword, name, rest = ''] = match;
      if (!METRIC_NAME.test(name!)) throw new Error(`line ${line}: bad metric name "${name}"`);
      const family = open(name!);
      if (keyword === 'HELP') {
        if (family.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
        family.help = rest;
      } else {
        if (family.samples.length > 0) throw new Error(`line ${line}: TYPE of ${name} after its samples`);
        if (!TYPES.has(rest.trim())) throw new Error(`line ${line}: unknown type "${rest}"`);
        family.type = rest.trim() as Family['type'];
      }
      return;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$/.exec(raw);
    if (!match) throw new Error(`line ${line}: not a sample: ${raw}`);
    const [, name, labelText, valueText] = match;
    const family = familyOf(name!) ?? open(name!);
    if (current !== family) open(family.name);
    const sample = { name: name!, labels: labelText ? parseLabels(labelText, line) : {}, value: parseValue(valueText!, line) };
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${line}: series ${key} twice`);
    seen.add(key);
    family.samples.push(sample);
  });

  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function checkHistogram(family: Family): void {
  const series = new Map<string, Sample[]>();
  for (const s of family.samples.filter((s) => s.name === `${family.name}_bucket`)) {
    if (s.labels.le === undefined) throw new Error(`${family.name}: a bucket without le`);
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, buckets] of series) {
    let previous = -1;
    for (const b of buckets) {
      if (b.value < previous) throw new Error(`${family.name}${key}: buckets are not cumulative`);
      previous = b.value;
    }
    const inf = buckets.find((b) => b.labels.le === '+Inf');
    const count = family.samples.find((s) => s.name === `${family.name}_count` && JSON.stringify(Object.entries(s.labels).sort()) === key);
    if (!inf || !count || inf.value !== count.value) throw new Error(`${family.name}${key}: the +Inf bucket is not the count`);
  }
}

/** The sum of the series of `name` that carry `labels` (0 when none, as a counter that has not moved). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
    }
  }
  return total;
}
