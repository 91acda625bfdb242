import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARTS, HEADLINES } from '../../src/reports/dashboard/page.ts';
import { manualClock } from '../../src/shared/clock.ts';
import { TEST_API_TOKEN } from '../helpers/switchboard.ts';
import { slashTicket, startSlackDesk, type SlackDesk } from '../slack/helpers.ts';
import { ADA, HISTORY_ENV, HISTORY_START, playHistory } from './history.ts';

// issue 19's second acceptance line: the dashboard, opened in Debian's Chromium through the
// link /ticket dashboard gives, draws every chart without a console error and shows the JSON
// summary's headline figures; an expired link is refused. The browser is required: without it
// this file fails and says how to install it (.ci/run installs it).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.UPDATE_DOCS ? fileURLToPath(new URL('./dashboard.png', import.meta.url)) : path.join(tmpdir(), `switchboard-dashboard-${process.pid}.png`);
const LINK_TTL_MS = 60 * 60_000;

const clock = manualClock(HISTORY_START);
let desk: SlackDesk;
let browser: Browser;
let profile: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: install it (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
  desk = await startSlackDesk({ env: HISTORY_ENV, switchboard: { clock } });
  await playHistory({ sql: desk.app.db.sql, tickets: desk.app.tickets, clock, write: (from, text) => desk.write(from, text) });
  profile = await mkdtemp(path.join(tmpdir(), 'switchboard-chromium-'));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await desk?.close();
});

/** The link in `/ticket dashboard`'s answer to `user`. */
async function dashboardLink(user = ADA): Promise<string> {
  const answer = await slashTicket(desk, 'dashboard', user);
  const url = /^<([^|>]+)\|Open the reports dashboard>/.exec(answer)?.[1];
  expect(url, answer).toMatch(new RegExp(`^${desk.app.url}/dashboard\\?t=[\\w-]+\\.[0-9a-f]{64}$`));
  return url!;
}

/** A fresh page that records every console error, page error and failed request. */
async function watchedPage(context = browser.defaultBrowserContext()): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page: ${(error as Error).message}`));
  page.on('requestfailed', (request) => problems.push(`request: ${request.url()} ${request.failure()?.errorText}`));
  return { page, problems };
}

const waitReady = (page: Page) => page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });

describe('the dashboard in Chromium', () => {
  it('opens through the signed link, draws every chart without an error, and shows the JSON summary’s headline figures', async () => {
    const { page, problems } = await watchedPage();
    await page.setViewport({ width: 1280, height: 860 });
    const response = await page.goto(await dashboardLink(), { waitUntil: 'networkidle0' });
    // The link became a session: the address bar no longer carries it.
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${desk.app.url}/dashboard`);
    await waitReady(page);

    for (const [id] of CHARTS) {
      const drawn = await page.evaluate((canvasId) => {
        // Runs in the page (the test's types know no DOM).
        const page = globalThis as any;
        const canvas = page.document.getElementById(canvasId);
        const chart = page.Chart.getChart(canvas);
        const pixels: Uint8ClampedArray = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted += 1;
        return { chart: chart !== undefined, painted, width: canvas.width };
      }, id);
      expect(drawn.chart, id).toBe(true);
      expect(drawn.width, id).toBeGreaterThan(100);
      expect(drawn.painted, id).toBeGreaterThan(500);
    }

    const summary = (await (await fetch(`${desk.app.url}/api/v1/reports/summary?period=7d`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } })).json()) as any;
    const shown: Record<string, { text: string; value: string }> = await page.evaluate(
      (ids) =>
        Object.fromEntries(
          ids.map((id) => {
            const element = (globalThis as any).document.getElementById(`figure-${id}`);
            return [id, { text: element.textContent, value: element.dataset.value }];
          }),
        ),
      HEADLINES.map(([id]) => id),
    );
    const expected: Record<string, [number | null, string]> = {
      created: [summary.tickets.created, '8'],
      resolved: [summary.tickets.resolved, '3'],
      'first-response': [summary.firstResponse.calendar.medianSeconds, '1h 30m'],
      resolution: [summary.resolution.calendar.medianSeconds, '2h'],
      sla: [summary.sla.overall.attainment, '67%'],
      fcr: [summary.fcr.rate, '33%'],
      csat: [summary.csat.average, '4.5'],
      backlog: [summary.backlog.total, '4'],
    };
    for (const [id, [value, text]] of Object.entries(expected)) {
      expect(Number(shown[id]!.value), id).toBe(value);
      expect(shown[id]!.text, id).toBe(text);
    }
    expect(await page.$$eval('#agents tbody tr', (rows) => rows.map((r) => r.firstElementChild!.textContent))).toEqual(summary.agents.map((a: { agent: string }) => a.agent));
    expect(await page.$$eval('#teams tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)))).toEqual([['triage', '4', '8', '3']]);
    expect(await page.$eval('#csv', (a) => a.getAttribute('href'))).toBe('/api/v1/reports/tickets.csv?period=7d');

    // The team filter reloads the figures for that team.
    await page.select('#team', 'triage');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('csv').getAttribute('href').includes('team=triage'));
    await waitReady(page);
    expect(await page.$eval('#figure-created', (e) => e.textContent)).toBe('8');

    await writeFile(SCREENSHOT, await page.screenshot({ type: 'png' }));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('downloads the CSV with the session, as the page’s button does', async () => {
    const { page, problems } = await watchedPage();
    await page.goto(await dashboardLink(), { waitUntil: 'networkidle0' });
    await waitReady(page);
    const csv = await page.evaluate(async () => {
      const response = await fetch((globalThis as any).document.getElementById('csv').getAttribute('href'));
      return { status: response.status, type: response.headers.get('content-type'), head: (await response.text()).split('\r\n')[0] };
    });
    expect(csv).toEqual({ status: 200, type: 'text/csv; charset=utf-8', head: expect.stringMatching(/^ticket,created_at,channel,team,/) });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses a link once it has expired, and a page without a session', async () => {
    const link = await dashboardLink();
    const context = await browser.createBrowserContext();
    const { page } = await watchedPage(context);
    expect((await page.goto(`${desk.app.url}/dashboard`))?.status()).toBe(401);
    clock.advance(LINK_TTL_MS + 1_000);
    const refused = await page.goto(link);
    expect(refused?.status()).toBe(403);
    expect(await page.$eval('h1', (e) => e.textContent)).toBe('This dashboard link has expired.');
    expect(await page.cookies()).toEqual([]);
    expect((await page.goto(`${desk.app.url}/dashboard`))?.status()).toBe(401);
    // A tampered link is refused the same way, as not valid.
    const fresh = await dashboardLink();
    expect((await page.goto(fresh.replace(/.$/, (c) => (c === '0' ? '1' : '0'))))?.status()).toBe(403);
    expect(await page.$eval('h1', (e) => e.textContent)).toBe('This dashboard link is not valid.');
    // And the session a link opened ends when DASHBOARD_SESSION_TTL has passed.
    expect((await page.goto(fresh))?.status()).toBe(200);
    clock.advance(12 * 60 * 60_000 + 1_000);
    expect((await page.goto(`${desk.app.url}/dashboard`))?.status()).toBe(401);
    const stale = await page.evaluate(async () => (await fetch('/api/v1/reports/summary')).status);
    expect(stale).toBe(401);
    await context.close();
  });
});
