/**
 * Which targets and hours a ticket is measured by: its contact's tags over its team's over the
 * desk's, target by target; the team's hours, else the desk's.
 */
import { describe, expect, it } from 'vitest';
import { scopedPolicies, type SlaScopes } from '../../src/sla/scopes.ts';
import { H, M, policyFromEnv } from './helpers.ts';

const desk = policyFromEnv({
  SLA_TARGETS: JSON.stringify({ normal: { firstReply: '4h', nextReply: '8h', resolution: '2d' } }),
  SLA_BUSINESS_HOURS: JSON.stringify({ timezone: 'UTC', hours: { mon: ['09:00', '17:00'] } }),
}).policy;
const scopes: SlaScopes = {
  teams: {
    billing: { targets: { normal: { firstReply: 2 * H, nextReply: null } } },
    nights: { businessHours: null },
  },
  tags: [
    { tag: 'vip', targets: { normal: { firstReply: 15 * M } } },
    { tag: 'partner', targets: { normal: { firstReply: 30 * M, resolution: 1 * H } } },
  ],
};
const policyFor = scopedPolicies(desk, scopes);

describe('a ticket measured by its team and its contact tags', () => {
  it("takes the team's targets over the desk's, target by target, null switching one off", () => {
    expect(policyFor({ team: 'billing', tags: [] }).policy.targets.normal).toEqual({ firstReply: 2 * H, resolution: 2 * 86_400_000 });
    expect(policyFor({ team: 'support', tags: [] }).policy.targets.normal).toEqual(desk.targets.normal);
  });

  it("takes a tag's targets over the team's, the tag listed first winning where two set one", () => {
    expect(policyFor({ team: 'billing', tags: ['partner', 'vip'] }).policy.targets.normal).toEqual({ firstReply: 15 * M, resolution: 1 * H });
    expect(policyFor({ team: null, tags: ['partner'] }).policy.targets.normal).toEqual({ firstReply: 30 * M, nextReply: 8 * H, resolution: 1 * H });
  });

  it("counts in the team's hours, calendar hours for a team set to null, else the desk's", () => {
    const sunday = new Date('2026-06-07T12:00:00Z');
    expect(policyFor({ team: 'nights', tags: ['vip'] }).calendar.addWorkingTime(sunday, H)).toEqual(new Date('2026-06-07T13:00:00Z'));
    expect(policyFor({ team: 'billing', tags: [] }).calendar.addWorkingTime(sunday, H)).toEqual(new Date('2026-06-08T10:00:00Z'));
    expect(policyFor({ team: 'nights', tags: [] }).policy.businessHours).toBeNull();
  });
});
