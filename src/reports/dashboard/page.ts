/**
 * The dashboard's HTML: a shell the page's own script (dashboard.js) fills from
 * `GET /api/v1/reports/summary`. No inline script or style, so the page's Content Security
 * Policy can forbid both.
 */

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Every headline figure: its id (the summary field the page reads) and its label. */
export const HEADLINES = [
  ['created', 'Tickets created'],
  ['resolved', 'Resolved'],
  ['first-response', 'First response (median)'],
  ['resolution', 'Resolution time (median)'],
  ['sla', 'SLA attainment'],
  ['fcr', 'First-contact resolution'],
  ['csat', 'CSAT'],
  ['backlog', 'Backlog'],
] as const;

/** The charts the page draws, by canvas id. */
export const CHARTS = [
  ['chart-volume', 'Tickets created and resolved'],
  ['chart-response', 'First response time (median, minutes)'],
  ['chart-sla', 'SLA attainment per target'],
  ['chart-backlog', 'Backlog by age'],
  ['chart-csat', 'CSAT distribution'],
  ['chart-channels', 'Tickets per channel'],
] as const;

/** The dashboard page for `agent`, with a team filter of `teams`. */
export function dashboardPage(options: { agent: string; teams: readonly string[]; timezone: string }): string {
  const teams = options.teams.map((t) => `<option value="${escape(t)}">${escape(t)}</option>`).join('');
  const headlines = HEADLINES.map(([id, label]) => `<div class="figure"><span class="label">${label}</span><span class="value" id="figure-${id}" data-figure="${id}">…</span><span class="note" id="note-${id}"></span></div>`).join('');
  const charts = CHARTS.map(([id, title]) => `<section class="chart"><h2>${title}</h2><div class="canvas"><canvas id="${id}"></canvas></div></section>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard · Reports</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<script src="/dashboard/assets/chart.umd.min.js" defer></script>
<script src="/dashboard/assets/dashboard.js" defer></script>
</head>
<body data-timezone="${escape(options.timezone)}">
<header>
  <h1>Switchboard reports</h1>
  <form id="filters">
    <label>Period <select id="period" name="period"><option value="today">Today</option><option value="7d" selected>Last 7 days</option><option value="30d">Last 30 days</option></select></label>
    <label>Team <select id="team" name="team"><option value="">All teams</option>${teams}</select></label>
    <a id="csv" class="button" href="/api/v1/reports/tickets.csv?period=7d" download>Download CSV</a>
  </form>
  <p class="who">Signed in as ${escape(options.agent)} · times in ${escape(options.timezone)} · <span id="period-text"></span></p>
</header>
<main>
  <section class="headlines">${headlines}</section>
  <section class="charts">${charts}</section>
  <section class="agents"><h2>Agents</h2><table id="agents"><thead><tr><th>Agent</th><th>Open now</th><th>Resolved</th><th>Replies</th><th>First response (median)</th></tr></thead><tbody></tbody></table></section>
  <section class="agents"><h2>Teams</h2><table id="teams"><thead><tr><th>Team</th><th>Open now</th><th>Created</th><th>Resolved</th></tr></thead><tbody></tbody></table></section>
  <p id="error" class="error" hidden></p>
</main>
</body>
</html>`;
}

/** A short page saying why the dashboard did not open, and what to do. */
export function messagePage(title: string, hint: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard · Reports</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body><main class="message"><h1>${escape(title)}</h1><p>${escape(hint)}</p></main></body></html>`;
}
