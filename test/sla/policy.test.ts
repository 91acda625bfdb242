import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { DEFAULT_TARGETS, policyFingerprint } from '../../src/sla/policy.ts';
import { NO_SLA_SCOPES } from '../../src/sla/scopes.ts';
import { policyFromEnv } from './helpers.ts';

const H = 3_600_000;
const M = 60_000;

/** The problems for one variable set to `value`, as `VARIABLE: message` lines. */
const problemsOf = (variable: string, value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return policyFromEnv({ [variable]: text }).problems.map((p) => `${p.variable}: ${p.message}`);
};

describe('SLA policy defaults', () => {
  it('applies sensible defaults when nothing is set', () => {
    const { policy, problems } = policyFromEnv({});
    expect(problems).toEqual([]);
    expect(policy.targets).toEqual(DEFAULT_TARGETS);
    expect(policy.targets.urgent).toEqual({
      firstReply: 30 * M,
      nextReply: 1 * H,
      periodicUpdate: 2 * H,
      resolution: 4 * H,
      totalResolution: 24 * H,
    });
    expect(policy.warnAt).toBe(0.75);
    expect(policy.businessHours).toBeNull();
    expect(policy.ladder).toEqual([]);
    expect(policy.urgentMention).toBeNull();
  });

  it('treats an empty variable as unset', () => {
    expect(policyFromEnv({ SLA_TARGETS: '', SLA_WARN_AT: '  ' })).toEqual(policyFromEnv({}));
  });
});

describe('SLA_TARGETS', () => {
  it('merges a partial value per priority over the defaults, target by target', () => {
    const { policy, problems } = policyFromEnv({
      SLA_TARGETS: JSON.stringify({ urgent: { firstReply: '15m' }, normal: { periodicUpdate: '1d', nextReply: null } }),
    });
    expect(problems).toEqual([]);
    expect(policy.targets.urgent).toEqual({ ...DEFAULT_TARGETS.urgent, firstReply: 15 * M });
    expect(policy.targets.normal).toEqual({ firstReply: 4 * H, periodicUpdate: 24 * H, resolution: 48 * H });
    expect(policy.targets.high).toEqual(DEFAULT_TARGETS.high);
    expect(policy.targets.low).toEqual(DEFAULT_TARGETS.low);
  });

  it('switches every target of a priority off with null', () => {
    expect(policyFromEnv({ SLA_TARGETS: '{"low":null}' }).policy.targets.low).toEqual({});
  });

  it('names the variable, the part and the value of a bad duration', () => {
    expect(problemsOf('SLA_TARGETS', { urgent: { firstReply: '30x' } })).toEqual([
      expect.stringMatching(/^SLA_TARGETS: urgent\.firstReply: "30x" is not a duration/),
    ]);
    expect(problemsOf('SLA_TARGETS', { high: { resolution: 30 } })).toEqual([
      expect.stringMatching(/^SLA_TARGETS: high\.resolution: 30 is not a duration/),
    ]);
    expect(problemsOf('SLA_TARGETS', { low: { nextReply: '0m' } })).toEqual(['SLA_TARGETS: low.nextReply: "0m" must be longer than zero']);
  });

  it('names an unknown priority and an unknown metric', () => {
    expect(problemsOf('SLA_TARGETS', { critical: {} })).toEqual([
      'SLA_TARGETS: unknown priority "critical" (known: low, normal, high, urgent)',
    ]);
    expect(problemsOf('SLA_TARGETS', { urgent: { firstResponse: '1h' } })).toEqual([
      'SLA_TARGETS: urgent: unknown target "firstResponse" (known: firstReply, nextReply, periodicUpdate, resolution, totalResolution)',
    ]);
  });

  it('reports every bad part at once, and invalid JSON as such', () => {
    expect(problemsOf('SLA_TARGETS', { urgent: { firstReply: '30x', nextReply: 'soon' }, normal: 'fast' })).toHaveLength(3);
    expect(problemsOf('SLA_TARGETS', '{"urgent":')).toEqual([expect.stringMatching(/^SLA_TARGETS: is not valid JSON/)]);
  });

  it('keeps the defaults for a bad variable so the rest of the policy still holds', () => {
    expect(policyFromEnv({ SLA_TARGETS: '{"urgent":{"firstReply":"30x"}}' }).policy.targets).toEqual(DEFAULT_TARGETS);
  });
});

describe('SLA_WARN_AT', () => {
  it('reads a share or a percentage', () => {
    expect(policyFromEnv({ SLA_WARN_AT: '0.8' }).policy.warnAt).toBe(0.8);
    expect(policyFromEnv({ SLA_WARN_AT: '90%' }).policy.warnAt).toBe(0.9);
  });

  it('refuses anything outside (0, 1), naming the value', () => {
    for (const bad of ['0', '1', '1.5', '150%', 'soon', '-0.5']) {
      expect(problemsOf('SLA_WARN_AT', bad)).toEqual([expect.stringContaining(`SLA_WARN_AT: "${bad}" is not a share`)]);
    }
  });
});

describe('SLA_BUSINESS_HOURS', () => {
  const valid = { timezone: 'Europe/Berlin', hours: { mon: ['09:00', '17:00'], tue: [['09:00', '12:00'], ['13:00', '17:00']] }, holidays: ['2026-12-25'] };

  it('reads a time zone, one or more intervals a day, and holidays', () => {
    const { policy, problems } = policyFromEnv({ SLA_BUSINESS_HOURS: JSON.stringify(valid) });
    expect(problems).toEqual([]);
    expect(policy.businessHours).toEqual({
      timezone: 'Europe/Berlin',
      hours: { mon: [[540, 1020]], tue: [[540, 720], [780, 1020]] },
      holidays: ['2026-12-25'],
    });
  });

  it('names an unknown time zone', () => {
    expect(problemsOf('SLA_BUSINESS_HOURS', { ...valid, timezone: 'Mars/Base' })).toEqual([
      'SLA_BUSINESS_HOURS: timezone "Mars/Base" is unknown',
    ]);
  });

  it('names the day and the value of a bad time, a backwards interval and an overlap', () => {
    expect(problemsOf('SLA_BUSINESS_HOURS', { ...valid, hours: { mon: ['9am', '17:00'] } })).toEqual([
      expect.stringMatching(/^SLA_BUSINESS_HOURS: hours\.mon\[0\]: "9am" is not a time/),
    ]);
    expect(problemsOf('SLA_BUSINESS_HOURS', { ...valid, hours: { fri: ['22:00', '06:00'] } })).toEqual([
      expect.stringMatching(/^SLA_BUSINESS_HOURS: hours\.fri: closes at 06:00 before it opens at 22:00/),
    ]);
    expect(problemsOf('SLA_BUSINESS_HOURS', { ...valid, hours: { wed: [['09:00', '13:00'], ['12:00', '17:00']] } })).toEqual([
      'SLA_BUSINESS_HOURS: hours.wed: 09:00–13:00 and 12:00–17:00 overlap',
    ]);
  });

  it('names an unknown day, a bad holiday and a schedule with no hours at all', () => {
    expect(problemsOf('SLA_BUSINESS_HOURS', { ...valid, hours: { monday: ['09:00', '17:00'] } })).toEqual([
      expect.stringContaining('SLA_BUSINESS_HOURS: hours: unknown day "monday"'),
      expect.stringContaining('SLA_BUSINESS_HOURS: hours: no opening hours'),
    ]);
    expect(problemsOf('SLA_BUSINESS_HOURS', { ...valid, holidays: ['2026-02-30'] })).toEqual([
      expect.stringMatching(/^SLA_BUSINESS_HOURS: holidays\[0\]: "2026-02-30" is not a date/),
    ]);
    expect(problemsOf('SLA_BUSINESS_HOURS', { timezone: 'UTC', hours: {} })).toEqual([
      expect.stringContaining('SLA_BUSINESS_HOURS: hours: no opening hours'),
    ]);
  });
});

describe('SLA_LADDER and SLA_URGENT_MENTION', () => {
  it('reads ladder steps and orders them by delay', () => {
    const { policy, problems } = policyFromEnv({
      SLA_LADDER: '[{"after":"2h","mention":"<@U999>"},{"after":"30m","mention":"<!subteam^S456|@leads>"}]',
      SLA_URGENT_MENTION: '<!subteam^S123>',
    });
    expect(problems).toEqual([]);
    expect(policy.ladder).toEqual([
      { afterMs: 30 * M, mention: '<!subteam^S456|@leads>' },
      { afterMs: 2 * H, mention: '<@U999>' },
    ]);
    expect(policy.urgentMention).toBe('<!subteam^S123>');
  });

  it('names the step and the value of a bad delay or mention', () => {
    expect(problemsOf('SLA_LADDER', [{ after: '30m', mention: '@leads' }])).toEqual([
      expect.stringMatching(/^SLA_LADDER: \[0\]\.mention: "@leads" is not a Slack mention/),
    ]);
    expect(problemsOf('SLA_LADDER', [{ after: 'later', mention: '<@U1>' }])).toEqual([
      expect.stringMatching(/^SLA_LADDER: \[0\]\.after: "later" is not a duration/),
    ]);
    expect(problemsOf('SLA_LADDER', [{ after: '1h', mention: '<@U1>' }, { after: '60m', mention: '<@U2>' }])).toEqual([
      'SLA_LADDER: two steps after the same delay (1h)',
    ]);
  });

  it('refuses an urgent mention that would notify nobody', () => {
    expect(problemsOf('SLA_URGENT_MENTION', '@oncall')).toEqual([expect.stringMatching(/^SLA_URGENT_MENTION: "@oncall" is not a Slack mention/)]);
  });
});

describe('all SLA problems together', () => {
  it('fit one ConfigError naming each variable', () => {
    const { problems } = policyFromEnv({ SLA_TARGETS: '{"urgent":{"firstReply":"30x"}}', SLA_WARN_AT: '2', SLA_URGENT_MENTION: 'x' });
    const error = new ConfigError(problems);
    expect(error.problems.map((p) => p.variable)).toEqual(['SLA_TARGETS', 'SLA_WARN_AT', 'SLA_URGENT_MENTION']);
    expect(error.message).toContain('SLA_TARGETS: urgent.firstReply: "30x" is not a duration');
  });

  it('fingerprints a policy so a change can be told from a restart', () => {
    const a = policyFromEnv({}).policy;
    expect(policyFingerprint(a)).toBe(policyFingerprint(policyFromEnv({}).policy));
    expect(policyFingerprint(a)).not.toBe(policyFingerprint(policyFromEnv({ SLA_WARN_AT: '0.5' }).policy));
  });

  it("fingerprints the teams' and tags' targets too, and leaves a desk without any as it was", () => {
    const a = policyFromEnv({}).policy;
    const vip = (firstReply: number) => ({ teams: {}, tags: [{ tag: 'vip', targets: { high: { firstReply } } }] });
    expect(policyFingerprint(a, NO_SLA_SCOPES)).toBe(policyFingerprint(a));
    expect(policyFingerprint(a, vip(900_000))).not.toBe(policyFingerprint(a));
    expect(policyFingerprint(a, vip(900_000))).not.toBe(policyFingerprint(a, vip(600_000)));
    expect(policyFingerprint(a, { teams: { billing: { businessHours: null } }, tags: [] })).not.toBe(policyFingerprint(a));
  });
});
