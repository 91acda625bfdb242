import type { webApi } from '@slack/bolt';
import type { Logger } from '../log.ts';
import type { Clock } from '../shared/clock.ts';
import type { AgentAvailability } from '../tickets/index.ts';
import { classifySlackError } from './slack-api.ts';

// Auto-assignment asks while a new ticket's transaction is open: a slow Slack must not hold
// it, so an answer not back by then counts as "around", and answers are reused this long.
const ANSWER_WITHIN_MS = 2_000;
const FRESH_FOR_MS = 30_000;

type Check = 'presence' | 'dnd';
const SCOPE_OF: Record<Check, string> = { presence: 'users:read', dnd: 'dnd:read' };

/**
 * Whether agents are around, as Slack says: users.getPresence "away", or inside their Do Not
 * Disturb window (dnd.info; a snooze too when Slack shows it, which it does only to the user
 * themselves). A check the app has no scope for (`missing_scope`) is switched off and logged
 * once: duty alone decides then. Anything else Slack cannot answer counts as around.
 * https://docs.slack.dev/reference/methods/users.getPresence https://docs.slack.dev/reference/methods/dnd.info
 */
export function slackAvailability(deps: { client: webApi.WebClient; clock: Clock; logger: Logger }): AgentAvailability {
  const off = new Set<Check>();
  const known = new Map<string, { away: boolean; at: number }>();

  const ask = async <T>(check: Check, call: () => Promise<T>): Promise<T | undefined> => {
    if (off.has(check)) return undefined;
    try {
      return await call();
    } catch (error) {
      const failure = classifySlackError(error);
      if (failure.kind === 'refused' && failure.code === 'missing_scope' && !off.has(check)) {
        off.add(check);
        deps.logger.warn({ scope: SCOPE_OF[check] }, `slack: no ${SCOPE_OF[check]} scope, so auto-assignment goes by duty alone without Slack's ${check === 'presence' ? 'presence' : 'Do Not Disturb'}`);
      } else {
        deps.logger.debug({ check, reason: failure.reason }, 'slack availability not known; counted as around');
      }
      return undefined;
    }
  };

  const isAway = async (agent: string): Promise<boolean> => {
    const now = deps.clock.now();
    const cached = known.get(agent);
    if (cached && now - cached.at < FRESH_FOR_MS) return cached.away;
    const [presence, dnd] = await Promise.all([
      ask('presence', () => deps.client.users.getPresence({ user: agent })),
      ask('dnd', () => deps.client.dnd.info({ user: agent })),
    ]);
    const seconds = now / 1000;
    const snoozing = (dnd as { snooze_enabled?: boolean } | undefined)?.snooze_enabled === true;
    const inDnd = !!dnd?.dnd_enabled && (dnd.next_dnd_start_ts ?? Infinity) <= seconds && seconds < (dnd.next_dnd_end_ts ?? 0);
    const away = presence?.presence === 'away' || inDnd || snoozing;
    known.set(agent, { away, at: now });
    return away;
  };

  return async (agents) => {
    const away = new Set<string>();
    const checked = Promise.all(agents.map(async (agent) => (await isAway(agent)) && away.add(agent)));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ANSWER_WITHIN_MS)));
    const outcome = await Promise.race([checked.then(() => 'done' as const), late]).finally(() => clearTimeout(timer));
    return outcome === 'done' ? away : new Set(away);
  };
}
