import type { Db, Tx } from '../db/index.ts';
import type { AgentAvailability } from './context.ts';
import type { Team } from './routing.ts';

/**
 * Auto-assignment within a team (switchboard.yml `assignment`): round-robin takes the next
 * member after the last one given a ticket, least-loaded the member with the fewest open
 * tickets; either way only members on duty, not `away` (Slack presence, Do Not Disturb) and
 * under the team's capacity. Runs inside the
 * transaction that needs an agent, under the team's row lock, so two tickets at once never
 * both see the same agent as the next one or as under capacity.
 */
export async function pickAgent(tx: Tx, team: Team, away: ReadonlySet<string> = new Set()): Promise<string | undefined> {
  if (team.assignment.strategy === 'off' || team.members.length === 0) return undefined;
  await tx`insert into team_assignment (team) values (${team.name}) on conflict (team) do nothing`;
  const [state] = await tx<{ lastAgent: string | null }[]>`select last_agent from team_assignment where team = ${team.name} for update`;
  const loads = await tx<{ agent: string; open: number; onDuty: boolean }[]>`
    select m.agent, coalesce(l.open, 0)::int as open, coalesce(d.on_duty, true) as on_duty
    from unnest(${team.members}::text[]) with ordinality as m(agent, position)
      left join agent_duty d on d.agent = m.agent
      left join (select assignee, count(*) as open from tickets where assignee = any(${team.members}::text[]) and status not in ('resolved', 'closed') group by assignee) l
        on l.assignee = m.agent
    order by m.position`;
  const capacity = team.assignment.capacity ?? Number.POSITIVE_INFINITY;
  const eligible = loads.filter((l) => l.onDuty && !away.has(l.agent) && l.open < capacity);
  if (eligible.length === 0) return undefined;
  let chosen: string;
  if (team.assignment.strategy === 'least-loaded') {
    const fewest = Math.min(...eligible.map((l) => l.open));
    chosen = nextInTurn(eligible.filter((l) => l.open === fewest).map((l) => l.agent), team.members, state?.lastAgent ?? null);
  } else {
    chosen = nextInTurn(eligible.map((l) => l.agent), team.members, state?.lastAgent ?? null);
  }
  await tx`update team_assignment set last_agent = ${chosen}, updated_at = now() where team = ${team.name}`;
  return chosen;
}

/** The team's members who are not around (presence, Do Not Disturb); nobody is asked when the team does not auto-assign. */
export async function awayMembers(availability: AgentAvailability | undefined, team: Team): Promise<ReadonlySet<string>> {
  if (!availability || team.assignment.strategy === 'off' || team.members.length === 0) return new Set();
  return availability(team.members);
}

/** The first of `candidates` after `last` in the members' order, wrapping round. */
function nextInTurn(candidates: readonly string[], members: readonly string[], last: string | null): string {
  const from = last ? members.indexOf(last) : -1;
  const ordered = [...members.slice(from + 1), ...members.slice(0, from + 1)];
  return ordered.find((m) => candidates.includes(m)) ?? candidates[0]!;
}

/** Sets an agent's duty; true when it changed. */
export async function setDuty(tx: Tx, agent: string, onDuty: boolean, at: Date): Promise<boolean> {
  const [row] = await tx<{ changed: boolean }[]>`
    insert into agent_duty as d (agent, on_duty, changed_at) values (${agent}, ${onDuty}, ${at})
    on conflict (agent) do update set on_duty = excluded.on_duty, changed_at = excluded.changed_at
      where d.on_duty is distinct from excluded.on_duty
    returning true as changed`;
  if (row) return true;
  // No row changed: either it already said so, or there was none (on duty by default).
  return false;
}

/** Whether an agent is on duty (never set: yes). */
export async function isOnDuty(db: Db, agent: string): Promise<boolean> {
  const [row] = await db<{ onDuty: boolean }[]>`select on_duty from agent_duty where agent = ${agent}`;
  return row?.onDuty ?? true;
}
