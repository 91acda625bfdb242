import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { parseDeskConfig } from '../src/desk-config.ts';
import { ConfigError } from '../src/errors.ts';
import { route } from '../src/tickets/routing.ts';

const problemsOf = (source: string) => parseDeskConfig(source, 'switchboard.yml', 'C0TRIAGE01').problems;

describe('switchboard.yml', () => {
  it('the example in the repository parses, with its teams and rules', async () => {
    const source = await readFile(new URL('../switchboard.example.yml', import.meta.url), 'utf8');
    const { routing, sla, problems } = parseDeskConfig(source, 'switchboard.example.yml', 'C0TRIAGE01');
    expect(problems).toEqual([]);
    expect(Object.keys(sla.teams)).toEqual(['billing']);
    expect(sla.tags.map((t) => t.tag)).toEqual(['vip']);
    expect(routing.teams.map((t) => [t.name, t.channel])).toEqual([['support', 'C0TRIAGE01'], ['billing', 'C0BILLING01'], ['technical', 'C0TECHNIC01']]);
    expect(routing.defaultTeam).toBe('support');
    expect(routing.rules.map((r) => r.name)).toEqual(['VIP customers', 'billing questions', 'API errors by email', 'enterprise domain', 'after hours']);
  });

  it('names every problem by its path in the file', () => {
    const problems = problemsOf(`
teams:
  - name: support
    channel: C0TRIAGE01
  - name: Billing Team
    channel: billing
    members: [ada]
  - name: support
    channel: C0OTHER001
    colour: blue
rules:
  - name: refunds
    when: { keywords: [refund], regex: '(unclosed' }
    then: { team: finance }
  - name: nothing to do
    then: {}
`);
    expect(problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([
      'switchboard.yml: teams[1].name: must be a short name: lower-case letters, digits, - and _',
      "switchboard.yml: teams[1].channel: not a Slack channel id (like C0123456789: the channel's details, at the bottom)",
      "switchboard.yml: teams[1].members[0]: not a Slack user id (like U0123456789: a profile's ⋮ menu → Copy member ID)",
      'switchboard.yml: teams[2]: unknown field colour (known: name, channel, members, usergroup, skills, default, assignment, businessHours, sla)',
      'switchboard.yml: rules[0].when.regex: not a valid regular expression: "(unclosed"',
      'switchboard.yml: rules[1].then: says nothing to do: set team, priority, tags, assignee or stop',
      'switchboard.yml: teams[2].name: another team is already named support',
      'switchboard.yml: rules[0].then.team: no team is named finance',
    ]);
  });

  it('refuses a rule naming a team that does not exist, and two teams of one name', () => {
    const problems = problemsOf('teams:\n  - { name: a, channel: C0AAAAAAAA }\n  - { name: a, channel: C0BBBBBBBB }\nrules:\n  - { name: r, then: { team: b } }\n');
    expect(problems.map((p) => `${p.variable}: ${p.message}`)).toEqual(['switchboard.yml: teams[1].name: another team is already named a', 'switchboard.yml: rules[0].then.team: no team is named b']);
  });

  it('says where YAML itself is broken', () => {
    expect(problemsOf('teams:\n  - name: a\n   channel: [')[0]!.variable).toMatch(/^switchboard\.yml line \d+$/);
  });

  it('without a file, the default team is SLACK_TRIAGE_CHANNEL', () => {
    const { routing } = parseDeskConfig('', 'switchboard.yml', 'C0TRIAGE01');
    expect(routing).toMatchObject({ teams: [{ name: 'triage', channel: 'C0TRIAGE01' }], defaultTeam: 'triage', rules: [] });
  });
});

describe('routing rules', () => {
  const { routing } = parseDeskConfig(
    `teams:
  - { name: support, channel: C0TRIAGE01 }
  - { name: billing, channel: C0BILLING01 }
rules:
  - { name: vip, when: { tag: vip }, then: { priority: high, tags: [vip] } }
  - { name: billing, when: { keywords: [invoice, refund] }, then: { team: billing, stop: true } }
  - { name: never reached after billing, when: { keywords: [refund] }, then: { team: support } }
  - { name: night, when: { hours: outside }, then: { tags: [after-hours] } }
`,
    'switchboard.yml',
    'C0TRIAGE01',
  );
  const input = { channel: 'email', text: '', subject: null, address: 'ada@example.com', contactTags: [], contactCustom: {}, insideHours: true };

  it('match whole words in text or subject, case-insensitively, and stop where told', () => {
    expect(route(routing, { ...input, subject: 'Refund please' })).toEqual({ team: 'billing', tags: [], rules: ['billing'] });
    expect(route(routing, { ...input, text: 'invoiced twice' })).toEqual({ team: 'support', tags: [], rules: [] });
  });

  it('combine what earlier matches set with later ones', () => {
    expect(route(routing, { ...input, contactTags: ['vip'], text: 'my INVOICE', insideHours: false })).toEqual({ team: 'billing', priority: 'high', tags: ['vip'], rules: ['vip', 'billing'] });
    expect(route(routing, { ...input, insideHours: false })).toEqual({ team: 'support', tags: ['after-hours'], rules: ['night'] });
  });
});

describe('SLA per team and per contact tag', () => {
  const H = 3_600_000;
  const M = 60_000;

  it('reads a team\'s business hours and targets, and targets by contact tag (lower-cased)', () => {
    const { sla, problems } = parseDeskConfig(
      `teams:
  - name: support
    channel: C0TRIAGE01
  - name: billing
    channel: C0BILLING01
    businessHours: { timezone: Europe/Berlin, hours: { mon: ["09:00", "17:00"] } }
    sla: { normal: { firstReply: 2h, nextReply: null }, low: null }
  - name: night
    channel: C0NIGHT0001
    businessHours: null
sla:
  tags:
    VIP: { high: { firstReply: 15m } }
`,
      'switchboard.yml',
      'C0TRIAGE01',
    );
    expect(problems).toEqual([]);
    expect(sla).toEqual({
      teams: {
        billing: {
          targets: { normal: { firstReply: 2 * H, nextReply: null }, low: null },
          businessHours: { timezone: 'Europe/Berlin', hours: { mon: [[540, 1020]] }, holidays: [] },
        },
        night: { businessHours: null },
      },
      tags: [{ tag: 'vip', targets: { high: { firstReply: 15 * M } } }],
    });
  });

  it('names every problem with them by its path', () => {
    const problems = problemsOf(`teams:
  - name: support
    channel: C0TRIAGE01
    businessHours: { timezone: Mars/Olympus, hours: { mon: ["17:00", "09:00"], funday: [] } }
    sla:
      urgent: { firstReply: 30x, reply: 1h }
      hgh: { firstReply: 1h }
sla:
  tags:
    vip: { high: { firstReply: 0m } }
    "bad tag": {}
  colour: blue
`);
    expect(problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([
      'switchboard.yml: teams[0].businessHours.timezone: timezone "Mars/Olympus" is unknown',
      'switchboard.yml: teams[0].businessHours.hours.mon: closes at 09:00 before it opens at 17:00: split a night across two days',
      'switchboard.yml: teams[0].businessHours.hours: unknown day "funday" (known: sun, mon, tue, wed, thu, fri, sat)',
      'switchboard.yml: teams[0].sla.urgent.firstReply: "30x" is not a duration: write 90s, 30m, 4h or 2d',
      'switchboard.yml: teams[0].sla.urgent: unknown target "reply" (known: firstReply, nextReply, periodicUpdate, resolution, totalResolution)',
      'switchboard.yml: teams[0].sla: unknown priority "hgh" (known: low, normal, high, urgent)',
      'switchboard.yml: sla.tags.vip.high.firstReply: "0m" must be longer than zero',
      'switchboard.yml: sla.tags.bad tag: not a tag: letters, digits and _ . : - (up to 64)',
      'switchboard.yml: sla: unknown field colour (known: tags)',
    ]);
  });
});

describe('start-up with a bad switchboard.yml', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'switchboard-yml-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stops with every problem named by its path, beside those of the environment', async () => {
    const file = path.join(dir, 'desk.yml');
    await writeFile(file, 'teams:\n  - { name: billing, channel: nope }\nrules:\n  - { name: r, then: { team: sales } }\n');
    let error: unknown;
    try {
      loadConfig({ SWITCHBOARD_CONFIG: file, PORT: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['PORT', 'desk.yml: teams[0].channel', 'desk.yml: rules[0].then.team']);
  });

  it('stops when SWITCHBOARD_CONFIG names a file that is not there', () => {
    expect(() => loadConfig({ SWITCHBOARD_CONFIG: path.join(dir, 'missing.yml') })).toThrow(/SWITCHBOARD_CONFIG: .*missing\.yml does not exist/);
  });
});
