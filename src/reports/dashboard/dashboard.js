// The dashboard's script: reads the summary the JSON API serves (with the session cookie) and
// draws it with Chart.js. Plain browser JavaScript, no build step; served by Switchboard.
'use strict';

const COLORS = { blue: '#2563eb', green: '#16a34a', red: '#dc2626', amber: '#d97706', grey: '#6b7280', violet: '#7c3aed' };
const charts = new Map();

/** Seconds as people read them, to the two largest units (as Slack's /ticket stats writes them). */
function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  let rest = Math.round(Math.abs(seconds));
  if (rest < 60) return `${rest}s`;
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.slice(0, 2).join(' ');
}

const percent = (share) => (share === null || share === undefined ? '–' : `${Math.round(share * 100)}%`);

function setFigure(id, text, value, note) {
  const element = document.getElementById(`figure-${id}`);
  element.textContent = text;
  element.dataset.value = value === null || value === undefined ? '' : String(value);
  document.getElementById(`note-${id}`).textContent = note || '';
}

function headlines(s) {
  setFigure('created', String(s.tickets.created), s.tickets.created, `${s.tickets.reopened} reopened`);
  setFigure('resolved', String(s.tickets.resolved), s.tickets.resolved, '');
  const times = (figure) => {
    const business = figure.business ? ` · business ${duration(figure.business.medianSeconds)}` : '';
    return `p90 ${duration(figure.calendar.p90Seconds)}${business} · ${figure.count} tickets`;
  };
  setFigure('first-response', duration(s.firstResponse.calendar.medianSeconds), s.firstResponse.calendar.medianSeconds, times(s.firstResponse));
  setFigure('resolution', duration(s.resolution.calendar.medianSeconds), s.resolution.calendar.medianSeconds, times(s.resolution));
  const o = s.sla.overall;
  setFigure('sla', percent(o.attainment), o.attainment, `${o.met} met · ${o.breached} breached · ${o.breachedLate} late`);
  setFigure('fcr', percent(s.fcr.rate), s.fcr.rate, `${s.fcr.firstContact} of ${s.fcr.resolved} resolved`);
  const average = s.csat.average === null ? '–' : s.csat.average.toFixed(1);
  setFigure('csat', average, s.csat.average, `${s.csat.responses} answers${s.csat.responseRate === null ? '' : ` · ${percent(s.csat.responseRate)} response rate`}`);
  setFigure('backlog', String(s.backlog.total), s.backlog.total, `${s.backlog.byStatus.new} new · ${s.backlog.byStatus.open} open · ${s.backlog.byStatus.pending} pending`);
}

function label(start, unit) {
  const date = new Date(start);
  const timeZone = document.body.dataset.timezone;
  return unit === 'hour'
    ? date.toLocaleString('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString('en-GB', { timeZone, day: 'numeric', month: 'short' });
}

function draw(id, config) {
  const previous = charts.get(id);
  if (previous) previous.destroy();
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
  charts.set(id, new Chart(document.getElementById(id), config));
}

function render(s) {
  headlines(s);
  const labels = s.series.points.map((p) => label(p.start, s.series.unit));
  draw('chart-volume', {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: 'Created', data: s.series.points.map((p) => p.created), borderColor: COLORS.blue, backgroundColor: COLORS.blue },
        { label: 'Resolved', data: s.series.points.map((p) => p.resolved), borderColor: COLORS.green, backgroundColor: COLORS.green },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  draw('chart-response', {
    type: 'line',
    data: {
      labels,
      datasets: [{ label: 'Median first response (min)', data: s.series.points.map((p) => (p.firstResponseMedianSeconds === null ? null : p.firstResponseMedianSeconds / 60)), borderColor: COLORS.violet, backgroundColor: COLORS.violet, spanGaps: true }],
    },
    options: { scales: { y: { beginAtZero: true } } },
  });
  draw('chart-sla', {
    type: 'bar',
    data: {
      labels: s.sla.targets.map((t) => t.metric),
      datasets: [
        { label: 'Met', data: s.sla.targets.map((t) => t.met), backgroundColor: COLORS.green },
        { label: 'Breached', data: s.sla.targets.map((t) => t.breached), backgroundColor: COLORS.red },
        { label: 'Breached late', data: s.sla.targets.map((t) => t.breachedLate), backgroundColor: COLORS.amber },
      ],
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });
  draw('chart-backlog', {
    type: 'bar',
    data: { labels: s.backlog.byAge.map((b) => b.bucket), datasets: [{ label: 'Unresolved tickets', data: s.backlog.byAge.map((b) => b.count), backgroundColor: COLORS.amber }] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  draw('chart-csat', {
    type: 'bar',
    data: { labels: ['1', '2', '3', '4', '5'], datasets: [{ label: 'Answers', data: ['1', '2', '3', '4', '5'].map((k) => s.csat.distribution[k]), backgroundColor: COLORS.blue }] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  draw('chart-channels', {
    type: 'bar',
    data: { labels: s.channels.map((c) => c.channel), datasets: [{ label: 'Tickets', data: s.channels.map((c) => c.tickets), backgroundColor: COLORS.grey }] },
    options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  table('agents', s.agents.map((a) => [a.agent, a.open, a.resolved, a.replies, duration(a.firstResponseMedianSeconds)]));
  table('teams', s.teams.map((t) => [t.team === null ? '(no team)' : t.team, t.open, t.created, t.resolved]));
  const from = new Date(s.period.from).toLocaleString('en-GB', { timeZone: s.period.timezone });
  const to = new Date(s.period.to).toLocaleString('en-GB', { timeZone: s.period.timezone });
  document.getElementById('period-text').textContent = `${from} – ${to}`;
}

/** Fills the body of table `id` with one row per array of cell texts. */
function table(id, rows) {
  document.querySelector(`#${id} tbody`).replaceChildren(
    ...rows.map((cells) => {
      const row = document.createElement('tr');
      for (const text of cells) {
        const cell = document.createElement('td');
        cell.textContent = String(text);
        row.append(cell);
      }
      return row;
    }),
  );
}

async function load() {
  const params = new URLSearchParams({ period: document.getElementById('period').value });
  const team = document.getElementById('team').value;
  if (team) params.set('team', team);
  document.getElementById('csv').href = `/api/v1/reports/tickets.csv?${params}`;
  document.body.dataset.ready = 'false';
  const error = document.getElementById('error');
  try {
    const response = await fetch(`/api/v1/reports/summary?${params}`, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`${response.status}: ${(await response.json()).message}`);
    render(await response.json());
    error.hidden = true;
  } catch (e) {
    error.textContent = `Could not load the figures (${e.message}). Reload, or ask for a new link with /ticket dashboard.`;
    error.hidden = false;
  }
  document.body.dataset.ready = 'true';
}

document.getElementById('period').addEventListener('change', load);
document.getElementById('team').addEventListener('change', load);
load();
