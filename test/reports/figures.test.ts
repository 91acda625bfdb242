import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.ts';
import { TEST_API_TOKEN } from '../helpers/switchboard.ts';
import { slashTicket, slashTicketLater, startSlackDesk, type SlackDesk } from '../slack/helpers.ts';
import { EXPECTED, HISTORY_END, HISTORY_ENV, HISTORY_START, playHistory } from './history.ts';
import { parseCsv } from './csv.ts';

// issue 19's first acceptance line: one scripted history with known timings, the same figures
// from the SQL (the reports service), /ticket stats, the JSON summary and the CSV.
const clock = manualClock(HISTORY_START);
let desk: SlackDesk;
let numbers: Awaited<ReturnType<typeof playHistory>>;
const MONDAY = { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-02T00:00:00Z') };

beforeAll(async () => {
  desk = await startSlackDesk({ env: HISTORY_ENV, switchboard: { clock } });
  const app = desk.app;
  numbers = await playHistory({
    sql: app.db.sql,
    tickets: app.tickets,
    clock,
    write: (from, text, name) => desk.write(from, text, { name: name ?? (from === 't6@example.com' ? '=2+3, "the boss"' : from) }),
  });
}, 120_000);
afterAll(() => desk?.close());

const api = (path: string, token: string | null = TEST_API_TOKEN) => fetch(`${desk.app.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('the figures of a scripted history', () => {
  it('come out of the SQL exactly: response and resolution times, SLA attainment, FCR, backlog, CSAT, agents', async () => {
    const summary = await desk.app.reports.summary(MONDAY);
    expect(summary.tickets).toEqual(EXPECTED.tickets);
    expect(summary.firstResponse).toEqual(EXPECTED.firstResponse);
    expect(summary.resolution).toEqual(EXPECTED.resolution);
    expect(summary.sla).toEqual(EXPECTED.sla);
    expect(summary.fcr).toEqual(EXPECTED.fcr);
    expect(summary.backlog).toEqual({ at: HISTORY_END.toISOString(), ...EXPECTED.backlog });
    expect(summary.csat).toEqual(EXPECTED.csat);
    expect(summary.agents).toEqual(EXPECTED.agents);
    expect(summary.channels).toEqual([{ channel: 'api', tickets: 7, messages: 8 }]);
    // Every ticket is in the triage channel's team (the default one).
    expect(summary.teams).toEqual([{ team: 'triage', open: 4, created: 7, resolved: 3 }]);
    // Created per hour of the week: Monday (row 0) 08:00 one, 09:00 two, 10:00 one, 12:00 three.
    expect(summary.hourOfWeek[0]!.slice(8, 13)).toEqual([1, 2, 1, 0, 3]);
    expect(summary.hourOfWeek.flat().reduce((a, b) => a + b, 0)).toBe(7);
    // A one-day period is hourly: 24 points, first responses in the hours they were sent.
    expect(summary.series.unit).toBe('hour');
    expect(summary.series.points).toHaveLength(24);
    expect(summary.series.points[9]).toEqual({ start: '2026-06-01T09:00:00.000Z', created: 2, resolved: 0, firstResponseMedianSeconds: 3300 });
    expect(summary.series.points.reduce((n, p) => n + p.resolved, 0)).toBe(3);
  });

  it('count per team, and leave out what a scope excludes', async () => {
    // Every ticket is in the one team (the triage channel's), so the team's figures are the desk's.
    const team = await (await api('/api/v1/reports/summary?from=2026-06-01&to=2026-06-02&team=triage')).json();
    expect(team).toMatchObject({ scope: { team: 'triage', agent: null, channel: null }, tickets: EXPECTED.tickets, sla: EXPECTED.sla, fcr: EXPECTED.fcr });
    const grace = await desk.app.reports.summary(MONDAY, { agent: 'U0AGENT002' });
    expect(grace.tickets).toEqual({ created: 1, resolved: 1, reopened: 0 });
    expect(grace.firstResponse.calendar).toEqual({ medianSeconds: 1200, p90Seconds: 1200 });
    const sunday = await desk.app.reports.summary({ from: new Date('2026-05-31T00:00:00Z'), to: MONDAY.from });
    expect(sunday.tickets).toEqual({ created: 0, resolved: 0, reopened: 0 });
    expect(sunday.firstResponse.calendar).toEqual({ medianSeconds: null, p90Seconds: null });
    // At Sunday's end only Friday's ticket was waiting.
    expect(sunday.backlog.byStatus).toEqual({ new: 0, open: 1, pending: 0 });
  });

  it('show in /ticket stats: the same figures, with the change against the period before', async () => {
    const answer = await slashTicketLater(desk, 'stats today');
    expect(answer.text).toContain('*Stats for today*');
    const fields = (answer!.blocks as { type: string; fields?: { text: string }[] }[]).find((b) => b.type === 'section')!.fields!.map((f) => f.text);
    expect(fields).toEqual([
      '*Created*\n7 _(+7)_',
      '*Resolved*\n3 _(+3)_ · 1 reopened',
      '*First response (median)*\n1h 35m _(new)_ · p90 1h 43m · business 1h 5m',
      '*Resolution time (median)*\n2h _(new)_ · p90 2h 48m · business 2h',
      '*SLA attainment*\n63% _(new)_ · 5 met, 2 breached, 1 late',
      '*First-contact resolution*\n33% _(new)_ · 1 of 3',
      '*CSAT*\n4.5 / 5 _(new)_ · 2 answers (67%)',
      // The backlog when the period before ended (midnight): Friday's ticket alone.
      '*Backlog*\n4 _(+3)_ · 1 new, 2 open, 1 pending',
    ]);
    expect(JSON.stringify(answer!.blocks)).toContain('Changes against the same hours yesterday');
  });

  it('refuses a team it does not know in /ticket stats, with the usage', async () => {
    expect((await slashTicketLater(desk, 'stats 7d nosuchteam')).text).toBe('"nosuchteam" is not a team. Teams: `triage`. Usage: `/ticket stats [today|7d|30d] [team]`');
    expect(await slashTicket(desk, 'stats 7d a b')).toMatch(/is not a period and a team\. Usage:/);
  });

  it('are the JSON summary, for the API token', async () => {
    const response = await api('/api/v1/reports/summary?from=2026-06-01&to=2026-06-02');
    expect(response.status).toBe(200);
    const json = (await response.json()) as Record<string, unknown>;
    expect(json).toEqual(JSON.parse(JSON.stringify(await desk.app.reports.summary(MONDAY))));
    expect(json).toMatchObject({ tickets: EXPECTED.tickets, firstResponse: EXPECTED.firstResponse, resolution: EXPECTED.resolution, sla: EXPECTED.sla, fcr: EXPECTED.fcr });
    expect(json.period).toEqual({ from: '2026-06-01T00:00:00.000Z', to: '2026-06-02T00:00:00.000Z', timezone: 'UTC' });
  });

  it('are the CSV rows: one per ticket created, with its times, and no cell a spreadsheet would run', async () => {
    const response = await api('/api/v1/reports/tickets.csv?from=2026-06-01&to=2026-06-02');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="tickets-2026-06-01-2026-06-02.csv"');
    const text = await response.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = parseCsv(text);
    const column = (row: string[], name: string) => row[header!.indexOf(name)];
    const byTicket = new Map(rows.map((row) => [Number(column(row, 'ticket')), row]));
    expect([...byTicket.keys()]).toEqual([numbers.T1, numbers.T2, numbers.T3, numbers.T4, numbers.T5, numbers.T6, numbers.T7]);
    const figures = (number: number) =>
      ['first_response_seconds', 'first_response_business_seconds', 'resolution_seconds', 'resolution_business_seconds', 'agent_replies', 'reopens', 'first_contact_resolution', 'sla_breaches', 'csat_score'].map(
        (name) => column(byTicket.get(number)!, name),
      );
    expect(figures(numbers.T1)).toEqual(['5400', '1800', '7200', '3600', '1', '0', 'true', '0', '5']);
    expect(figures(numbers.T2)).toEqual(['1200', '1200', '7200', '7200', '2', '0', 'false', '0', '4']);
    expect(figures(numbers.T3)).toEqual(['6000', '6000', '10800', '10800', '1', '1', 'false', '1', '']);
    expect(figures(numbers.T4)).toEqual(['6300', '6300', '', '', '1', '0', 'false', '1', '']);
    expect(figures(numbers.T7)).toEqual(['', '', '', '', '0', '0', 'false', '0', '']);
    expect(column(byTicket.get(numbers.T1)!, 'first_response_at')).toBe('2026-06-01T09:30:00.000Z');
    expect(column(byTicket.get(numbers.T3)!, 'resolved_at')).toBe('2026-06-01T12:10:00.000Z');
    // The medians of the CSV's columns are the summary's.
    const median = (values: number[]) => {
      const s = [...values].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const resolved = rows.map((r) => column(r, 'resolution_seconds')).filter((v) => v !== '').map(Number);
    expect(median(resolved)).toBe(EXPECTED.resolution.calendar.medianSeconds);
    // A contact named like a formula is text, quoted because of its comma and quotes.
    expect(text).toContain(`,"'=2+3, ""the boss""",`);
    expect(column(byTicket.get(numbers.T6)!, 'contact')).toBe(`'=2+3, "the boss"`);
  });
});

describe('the report API', () => {
  it('names the bad parameter in a 400', async () => {
    const cases: [string, string][] = [
      ['/api/v1/reports/summary?from=yesterday', 'from'],
      ['/api/v1/reports/summary?to=2026-02-30', 'to'],
      ['/api/v1/reports/summary?from=2026-06-02&to=2026-06-01', 'from'],
      ['/api/v1/reports/summary?from=2024-01-01&to=2026-06-01', 'from'],
      ['/api/v1/reports/summary?period=year', 'period'],
      ['/api/v1/reports/summary?team=nobody', 'team'],
      ['/api/v1/reports/summary?period=7d&from=2026-06-01', 'period'],
      ['/api/v1/reports/summary?channel=Not%20A%20Channel', 'channel'],
      ['/api/v1/reports/summary?agent=bob', 'agent'],
      ['/api/v1/reports/tickets.csv?to=2026-06-01T09:00', 'to'],
    ];
    for (const [path, field] of cases) {
      const response = await api(path);
      expect(response.status, path).toBe(400);
      expect(await response.json(), path).toMatchObject({ error: 'invalid_request', field });
    }
  });

  it('refuses a request without the API token, or with another', async () => {
    for (const path of ['/api/v1/reports/summary', '/api/v1/reports/tickets.csv']) {
      expect((await api(path, null)).status).toBe(401);
      expect((await api(path, 'wrong-token-0123456789')).status).toBe(401);
    }
  });
});
