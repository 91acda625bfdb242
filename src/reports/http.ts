/**
 * Reporting over HTTP: `GET /api/v1/reports/summary` (JSON) and `GET /api/v1/reports/tickets.csv`
 * for integrations (an API token with the `read` scope) and for the dashboard (its session cookie), and the
 * dashboard itself: `/dashboard`, opened by a signed link, and its static files, Chart.js
 * among them, served from node_modules so the page works offline.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { ChannelAuthError, ChannelInputError } from '../channels/contract.ts';
import type { AppEnv } from '../http/app.ts';
import { dashboardPage, messagePage } from './dashboard/page.ts';
import type { Scope } from './reports-sql.ts';
import type { Reports } from './service.ts';
import { rangeFromQuery } from './period.ts';

export const SESSION_COOKIE = 'switchboard_dashboard';

const ASSETS: Record<string, { file: string; type: string }> = {
  'dashboard.js': { file: filePathOf('./dashboard/dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: filePathOf('./dashboard/dashboard.css'), type: 'text/css; charset=utf-8' },
  // Chart.js's own UMD build, as the package ships it: no CDN, no bundler.
  'chart.umd.min.js': { file: path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'), type: 'text/javascript; charset=utf-8' },
};

// The page runs only our own files: no inline script or style, nothing from elsewhere.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function filePathOf(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

/**
 * Who may read reports: a request the /api/v1 guard let in (API_CHANNEL_TOKEN or a token with
 * the `read` scope), or the browser of an agent the dashboard let in.
 */
function authorizeReports(c: Context<AppEnv>, reports: Reports): void {
  if (c.get('apiGrant')) return;
  if (c.req.header('authorization') === undefined && sessionAgent(c, reports)) return;
  throw new ChannelAuthError('missing Authorization: Bearer <API_CHANNEL_TOKEN or a read API token> (or a dashboard session)');
}

function sessionAgent(c: Context<AppEnv>, reports: Reports): string | undefined {
  const cookie = getCookie(c, SESSION_COOKIE);
  if (!cookie) return undefined;
  const verdict = reports.signer.verify('session', cookie, reports.now().getTime());
  return verdict.ok ? verdict.agent : undefined;
}

/** The scope a request asks for; a team the desk does not have is a 400 naming `team`. */
function scopeFromQuery(c: Context<AppEnv>, reports: Reports): Scope {
  const team = c.req.query('team') || undefined;
  if (team !== undefined && !reports.teams.includes(team)) {
    const known = reports.teams.length ? `teams: ${reports.teams.join(', ')}` : 'no teams are configured';
    throw new ChannelInputError(`there is no team "${team.slice(0, 64)}" (${known})`, { status: 400, field: 'team' });
  }
  const agent = c.req.query('agent') || undefined;
  if (agent !== undefined && !/^[UW][A-Z0-9]{2,}$/.test(agent)) throw new ChannelInputError('agent must be a Slack user id like U0123ABCD', { status: 400, field: 'agent' });
  const channel = c.req.query('channel') || undefined;
  if (channel !== undefined && !/^[a-z][a-z0-9-]{0,31}$/.test(channel)) throw new ChannelInputError('channel must be a channel name like email or sms', { status: 400, field: 'channel' });
  return { team, agent, channel };
}

function rangeOf(c: Context<AppEnv>, reports: Reports) {
  const query = { period: c.req.query('period'), from: c.req.query('from'), to: c.req.query('to') };
  return rangeFromQuery(query, reports.now(), reports.config.timezone);
}

/** The report API (behind the /api/v1 guard) and the dashboard. */
export function reportRoutes(reports: Reports) {
  const assets = Object.fromEntries(Object.entries(ASSETS).map(([name, asset]) => [name, { body: readFileSync(asset.file), type: asset.type }]));
  return (app: Hono<AppEnv>) => {
    app.get('/api/v1/reports/summary', async (c) => {
      authorizeReports(c, reports);
      const range = rangeOf(c, reports);
      const scope = scopeFromQuery(c, reports);
      return c.json(await reports.summary(range, scope), 200, { 'cache-control': 'no-store' });
    });

    app.get('/api/v1/reports/tickets.csv', (c) => {
      authorizeReports(c, reports);
      const range = rangeOf(c, reports);
      const scope = scopeFromQuery(c, reports);
      const name = `tickets-${range.from.toISOString().slice(0, 10)}-${range.to.toISOString().slice(0, 10)}.csv`;
      return new Response(reports.ticketsCsv(range, scope), {
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' },
      });
    });

    app.get('/dashboard', (c) => {
      const html = (status: 200 | 401 | 403, body: string) => c.html(body, status, { 'content-security-policy': CSP, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
      const link = c.req.query('t');
      if (link !== undefined) {
        const verdict = reports.signer.verify('link', link, reports.now().getTime());
        if (!verdict.ok) {
          return html(403, messagePage(verdict.why === 'expired' ? 'This dashboard link has expired.' : 'This dashboard link is not valid.', 'Ask Switchboard for a new one with /ticket dashboard in Slack.'));
        }
        // The link leaves the address bar (and the history) at once; the session carries on.
        const expiresAt = reports.now().getTime() + reports.config.sessionTtlMs;
        setCookie(c, SESSION_COOKIE, reports.signer.sign('session', verdict.agent, expiresAt), {
          path: '/',
          httpOnly: true,
          sameSite: 'Lax',
          secure: new URL(c.req.url).protocol === 'https:',
        });
        return c.redirect('/dashboard', 303);
      }
      const agent = sessionAgent(c, reports);
      if (!agent) return html(401, messagePage('Open the dashboard from Slack.', 'Type /ticket dashboard in Slack for a link; it signs you in for a while.'));
      return html(200, dashboardPage({ agent, teams: reports.teams, timezone: reports.config.timezone }));
    });

    app.get('/dashboard/assets/:name', (c) => {
      const asset = assets[c.req.param('name')];
      if (!asset) return c.json({ error: 'not_found', message: 'no such dashboard file' }, 404);
      return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' });
    });
  };
}
