/**
 * `/ticket stats` and the weekly digest as Block Kit: the period's headline figures, each with
 * its change against the period of the same length before it. Pure: built from two summaries.
 */
import type { types } from '@slack/bolt';
import type { Summary } from '../reports/index.ts';
import { formatDuration } from '../shared/duration.ts';
import { escapeMrkdwn } from './text.ts';

export interface StatsView {
  /** `Stats for the last 7 days`, `Weekly digest: 2026-W23`. */
  title: string;
  /** What the change compares with: `the 7 days before`. */
  comparedWith: string;
  current: Summary;
  previous: Summary;
}

const seconds = (value: number | null) => (value === null ? '–' : formatDuration(value * 1000));
const percent = (share: number | null) => (share === null ? '–' : `${Math.round(share * 100)}%`);

/** `+3`, `−2`, `no change`; `new` when there was nothing to compare with. */
function delta(current: number | null, previous: number | null, format: (n: number) => string): string {
  if (current === null) return '';
  if (previous === null) return ' _(new)_';
  const difference = current - previous;
  if (Math.abs(difference) < 1e-9) return ' _(no change)_';
  return ` _(${difference > 0 ? '+' : '−'}${format(Math.abs(difference))})_`;
}

const count = (n: number) => String(n);
const points = (share: number) => `${Math.round(share * 100)} pts`;
const time = (s: number) => formatDuration(s * 1000);

/** The headline figures as `label`, `value with change`, in the order shown. */
export function statsFields(current: Summary, previous: Summary): [string, string][] {
  const c = current;
  const p = previous;
  const business = (figure: Summary['firstResponse']) => (figure.business ? ` · business ${seconds(figure.business.medianSeconds)}` : '');
  const sla = c.sla.overall;
  return [
    ['Created', `${c.tickets.created}${delta(c.tickets.created, p.tickets.created, count)}`],
    ['Resolved', `${c.tickets.resolved}${delta(c.tickets.resolved, p.tickets.resolved, count)}${c.tickets.reopened ? ` · ${c.tickets.reopened} reopened` : ''}`],
    [
      'First response (median)',
      `${seconds(c.firstResponse.calendar.medianSeconds)}${delta(c.firstResponse.calendar.medianSeconds, p.firstResponse.calendar.medianSeconds, time)} · p90 ${seconds(c.firstResponse.calendar.p90Seconds)}${business(c.firstResponse)}`,
    ],
    [
      'Resolution time (median)',
      `${seconds(c.resolution.calendar.medianSeconds)}${delta(c.resolution.calendar.medianSeconds, p.resolution.calendar.medianSeconds, time)} · p90 ${seconds(c.resolution.calendar.p90Seconds)}${business(c.resolution)}`,
    ],
    ['SLA attainment', `${percent(sla.attainment)}${delta(sla.attainment, p.sla.overall.attainment, points)} · ${sla.met} met, ${sla.breached} breached, ${sla.breachedLate} late`],
    ['First-contact resolution', `${percent(c.fcr.rate)}${delta(c.fcr.rate, p.fcr.rate, points)} · ${c.fcr.firstContact} of ${c.fcr.resolved}`],
    [
      'CSAT',
      c.csat.average === null
        ? 'no answers'
        : `${c.csat.average.toFixed(1)} / 5${delta(c.csat.average, p.csat.average, (n) => n.toFixed(1))} · ${c.csat.responses} answers${c.csat.responseRate === null ? '' : ` (${percent(c.csat.responseRate)})`}`,
    ],
    [
      'Backlog',
      `${c.backlog.total}${delta(c.backlog.total, p.backlog.total, count)} · ${c.backlog.byStatus.new} new, ${c.backlog.byStatus.open} open, ${c.backlog.byStatus.pending} pending`,
    ],
  ];
}

/** The summary as one message: a header, the figures as fields, and what they compare with. */
export function statsBlocks(view: StatsView): types.KnownBlock[] {
  const fields = statsFields(view.current, view.previous);
  const { scope, period } = view.current;
  const team = scope.team ? ` · team ${escapeMrkdwn(scope.team)}` : '';
  return [
    { type: 'header', text: { type: 'plain_text', text: view.title.slice(0, 150) } },
    { type: 'section', fields: fields.map(([label, value]) => ({ type: 'mrkdwn' as const, text: `*${label}*\n${value}` })) },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Changes against ${escapeMrkdwn(view.comparedWith)}${team} · times in ${escapeMrkdwn(period.timezone)} · backlog as of ${backlogTime(view.current)}` }],
    },
  ];
}

/** The same figures as plain lines: the notification text and the fallback for clients without blocks. */
export function statsText(view: StatsView): string {
  return [`*${view.title}*`, ...statsFields(view.current, view.previous).map(([label, value]) => `• ${label}: ${value}`)].join('\n');
}

function backlogTime(summary: Summary): string {
  const at = Math.floor(new Date(summary.backlog.at).getTime() / 1000);
  return `<!date^${at}^{date_short_pretty} {time}|${summary.backlog.at}>`;
}
