import { isScope, type Scope } from '../api-tokens/index.ts';
import { isPreset, type Preset } from '../reports/index.ts';
import { isPriority, type Priority } from '../tickets/index.ts';

/**
 * `/ticket …` parsed into what the agent asked for, or the usage line that explains what was
 * wrong. Pure: no Slack, no database.
 */
export type ListFilter = 'active' | 'mine' | 'new' | 'open' | 'pending' | 'breaching' | 'all';

export type TicketCommand =
  | { kind: 'help' }
  | { kind: 'list'; filter: ListFilter }
  | { kind: 'sla' }
  | { kind: 'channels' }
  | { kind: 'stats'; period: Preset; team: string | undefined }
  | { kind: 'dashboard' }
  | { kind: 'show' | 'claim' | 'pending' | 'resolve' | 'reopen' | 'close'; number: number }
  | { kind: 'assign'; number: number; user: string | 'me' }
  | { kind: 'priority'; number: number; priority: Priority }
  | { kind: 'escalate'; number: number; reason: string | null }
  | { kind: 'note'; number: number; text: string }
  | { kind: 'tag'; number: number; tags: string[] }
  | { kind: 'team'; number: number; team: string }
  | { kind: 'merge'; number: number; into: number }
  | { kind: 'contact-merge'; from: number; into: number }
  | { kind: 'contact-unmerge'; event: string }
  | { kind: 'duty'; on: boolean }
  | { kind: 'contact'; number: number; addTags: string[]; removeTags: string[]; custom: Record<string, string | null> }
  | { kind: 'token-new'; scope: Scope; name: string }
  | { kind: 'token-list' }
  | { kind: 'token-revoke'; id: number }
  | { kind: 'macro'; macro: MacroCommand }
  | { kind: 'kb'; words: string }
  | { kind: 'invalid'; message: string };

/** `/ticket macro …`: list, add (a modal), delete, send one to a ticket, or pick one for it (a modal). */
export type MacroCommand =
  | { action: 'list' }
  | { action: 'add'; name: string }
  | { action: 'delete'; name: string }
  | { action: 'send'; number: number; name: string }
  | { action: 'pick'; number: number };

/** One usage line per subcommand, as `help` lists them. */
export const USAGE: Record<Exclude<TicketCommand['kind'], 'invalid'>, string> = {
  list: '/ticket list [mine|new|open|pending|breaching|all]',
  show: '/ticket show N',
  claim: '/ticket claim N',
  assign: '/ticket assign N @user',
  priority: '/ticket priority N low|normal|high|urgent',
  escalate: '/ticket escalate N [reason]',
  pending: '/ticket pending N',
  resolve: '/ticket resolve N',
  reopen: '/ticket reopen N',
  close: '/ticket close N',
  note: '/ticket note N text',
  tag: '/ticket tag N tag…',
  team: '/ticket team N name',
  merge: '/ticket merge N M',
  duty: '/ticket duty on|off',
  contact: '/ticket contact N [tag] [-tag] [field=value] [field=]',
  'contact-merge': '/ticket contact merge A B (contact ids: A goes into B)',
  'contact-unmerge': '/ticket contact unmerge EVENT',
  macro: '/ticket macro N NAME · /ticket macro N (pick one) · /ticket macro list|add NAME|delete NAME',
  kb: '/ticket kb WORDS',
  sla: '/ticket sla',
  stats: '/ticket stats [today|7d|30d] [team]',
  dashboard: '/ticket dashboard',
  channels: '/ticket channels',
  'token-new': '/ticket token new intake|read|admin "name" (admins)',
  'token-list': '/ticket token list (admins)',
  'token-revoke': '/ticket token revoke ID (admins)',
  help: '/ticket help',
};

const FILTERS: readonly ListFilter[] = ['mine', 'new', 'open', 'pending', 'breaching', 'all'];
const NUMBER = /^#?(\d{1,9})$/;
// With "Escape channels, users, and links" on (the manifest sets should_escape), Slack sends a
// picked user as <@U123|name>. https://docs.slack.dev/interactivity/implementing-slash-commands#creating_commands
const USER = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

/** Parses the text after `/ticket`. */
export function parseTicketCommand(text: string): TicketCommand {
  const trimmed = text.trim();
  const [head = '', ...rest] = trimmed.split(/\s+/);
  const word = head.toLowerCase();
  const invalid = (kind: keyof typeof USAGE, why?: string): TicketCommand => ({
    kind: 'invalid',
    message: `${why ? `${why}. ` : ''}Usage: \`${USAGE[kind]}\``,
  });

  switch (word) {
    case '':
    case 'help':
      return { kind: 'help' };
    case 'sla':
      return rest.length === 0 ? { kind: 'sla' } : invalid('sla');
    case 'channels':
      return rest.length === 0 ? { kind: 'channels' } : invalid('channels');
    case 'dashboard':
      return rest.length === 0 ? { kind: 'dashboard' } : invalid('dashboard');
    case 'stats': {
      // The period first when given (7d by default), then a team.
      const words = rest.map((w) => w.toLowerCase());
      const period = words[0] !== undefined && isPreset(words[0]) ? words.shift()! : '7d';
      if (!isPreset(period) || words.length > 1) return invalid('stats', `"${rest.join(' ')}" is not a period and a team`);
      return { kind: 'stats', period, team: words[0] };
    }
    case 'list': {
      if (rest.length === 0) return { kind: 'list', filter: 'active' };
      const filter = rest[0]!.toLowerCase() as ListFilter;
      if (rest.length > 1 || !FILTERS.includes(filter)) return invalid('list', `"${rest.join(' ')}" is not a list`);
      return { kind: 'list', filter };
    }
    case 'show':
    case 'claim':
    case 'pending':
    case 'resolve':
    case 'reopen':
    case 'close': {
      const number = ticketNumber(rest[0]);
      if (number === undefined || rest.length !== 1) return invalid(word, numberProblem(rest[0]));
      return { kind: word, number };
    }
    case 'assign': {
      const number = ticketNumber(rest[0]);
      if (number === undefined) return invalid('assign', numberProblem(rest[0]));
      const target = rest[1];
      if (rest.length !== 2 || !target) return invalid('assign', 'say who: pick them with @');
      if (target.toLowerCase() === 'me') return { kind: 'assign', number, user: 'me' };
      const user = USER.exec(target)?.[1];
      if (!user) return invalid('assign', `"${target}" is not a Slack user: pick them with @`);
      return { kind: 'assign', number, user };
    }
    case 'priority': {
      const number = ticketNumber(rest[0]);
      if (number === undefined) return invalid('priority', numberProblem(rest[0]));
      const priority = rest[1]?.toLowerCase();
      if (rest.length !== 2 || !priority || !isPriority(priority)) {
        return invalid('priority', priority ? `"${rest.slice(1).join(' ')}" is not a priority` : 'say which priority');
      }
      return { kind: 'priority', number, priority };
    }
    case 'escalate': {
      const number = ticketNumber(rest[0]);
      if (number === undefined) return invalid('escalate', numberProblem(rest[0]));
      const reason = afterWords(trimmed, 2);
      return { kind: 'escalate', number, reason: reason || null };
    }
    case 'note': {
      const number = ticketNumber(rest[0]);
      if (number === undefined) return invalid('note', numberProblem(rest[0]));
      const note = afterWords(trimmed, 2);
      if (!note) return invalid('note', 'the note is empty');
      return { kind: 'note', number, text: note };
    }
    case 'tag': {
      const number = ticketNumber(rest[0]);
      if (number === undefined) return invalid('tag', numberProblem(rest[0]));
      if (rest.length < 2) return invalid('tag', 'give at least one tag');
      return { kind: 'tag', number, tags: rest.slice(1) };
    }
    case 'contact': {
      const sub = rest[0]?.toLowerCase();
      if (sub === 'merge') {
        const [a, b] = [contactId(rest[1]), contactId(rest[2])];
        if (a === undefined || b === undefined || rest.length !== 3) return invalid('contact-merge', 'give two contact ids (`/ticket contact N` shows a ticket\'s)');
        if (a === b) return invalid('contact-merge', `contact ${a} cannot be merged into itself`);
        return { kind: 'contact-merge', from: a, into: b };
      }
      if (sub === 'unmerge') {
        const event = /^\d{1,18}$/.exec(rest[1] ?? '')?.[0];
        if (!event || rest.length !== 2) return invalid('contact-unmerge', 'give the number of the merge\'s event');
        return { kind: 'contact-unmerge', event };
      }
      const number = ticketNumber(rest[0]);
      if (number === undefined) return invalid('contact', numberProblem(rest[0]));
      const command = { kind: 'contact' as const, number, addTags: [] as string[], removeTags: [] as string[], custom: {} as Record<string, string | null> };
      for (const word of rest.slice(1)) {
        const field = /^([A-Za-z][\w.-]*)=(.*)$/.exec(word);
        if (field) command.custom[field[1]!] = field[2] ? field[2] : null;
        else if (word.startsWith('-') && word.length > 1) command.removeTags.push(word.slice(1));
        else command.addTags.push(word);
      }
      return command;
    }
    case 'merge': {
      const number = ticketNumber(rest[0]);
      if (number === undefined) return invalid('merge', numberProblem(rest[0]));
      const into = ticketNumber(rest[1]);
      if (into === undefined) return invalid('merge', rest[1] ? `"${rest[1]}" is not a ticket number` : `say which ticket to merge #${number} into`);
      if (rest.length !== 2) return invalid('merge', 'give two ticket numbers');
      if (number === into) return invalid('merge', `#${number} cannot be merged into itself`);
      return { kind: 'merge', number, into };
    }
    case 'duty': {
      const word = rest[0]?.toLowerCase();
      if (rest.length !== 1 || (word !== 'on' && word !== 'off')) return invalid('duty', rest.length ? `"${rest.join(' ')}" is not on or off` : 'say on or off');
      return { kind: 'duty', on: word === 'on' };
    }
    case 'team': {
      const number = ticketNumber(rest[0]);
      if (number === undefined) return invalid('team', numberProblem(rest[0]));
      if (rest.length !== 2) return invalid('team', 'say which team');
      return { kind: 'team', number, team: rest[1]!.toLowerCase() };
    }
    case 'token':
      return parseTokenCommand(trimmed, rest);
    case 'kb': {
      const words = afterWords(trimmed, 1);
      return words ? { kind: 'kb', words } : invalid('kb', 'say what to search for');
    }
    case 'macro': {
      const sub = rest[0]?.toLowerCase();
      if (sub === 'list' && rest.length === 1) return { kind: 'macro', macro: { action: 'list' } };
      if (sub === 'add' && rest.length === 2) return { kind: 'macro', macro: { action: 'add', name: rest[1]!.toLowerCase() } };
      if (sub === 'delete' && rest.length === 2) return { kind: 'macro', macro: { action: 'delete', name: rest[1]!.toLowerCase() } };
      if (sub === 'add' || sub === 'delete') return invalid('macro', rest.length < 2 ? 'say which macro' : 'a macro name is one word');
      const number = ticketNumber(rest[0]);
      if (number === undefined) return invalid('macro', rest.length ? `"${rest[0]}" is not a ticket number, list, add or delete` : undefined);
      if (rest.length === 1) return { kind: 'macro', macro: { action: 'pick', number } };
      if (rest.length !== 2) return invalid('macro', 'a macro name is one word');
      return { kind: 'macro', macro: { action: 'send', number, name: rest[1]!.toLowerCase() } };
    }
    default:
      return { kind: 'invalid', message: `\`${head}\` is not a /ticket command. Try \`/ticket help\`.` };
  }
}

// Slack clients type “smart” quotes as often as straight ones.
const QUOTED = /^["“”'‘’](.*)["“”'‘’]$/s;

/** `token new SCOPE "name"`, `token list`, `token revoke ID`. */
function parseTokenCommand(trimmed: string, rest: string[]): TicketCommand {
  const usage = `Usage: \`${USAGE['token-new']}\`, \`${USAGE['token-list']}\` or \`${USAGE['token-revoke']}\``;
  switch (rest[0]?.toLowerCase()) {
    case 'new': {
      const scope = rest[1]?.toLowerCase() ?? '';
      if (!isScope(scope)) return { kind: 'invalid', message: `${rest[1] ? `"${rest[1]}" is not a scope` : 'say which scope'} (intake, read or admin). Usage: \`${USAGE['token-new']}\`` };
      const written = afterWords(trimmed, 3);
      const name = (QUOTED.exec(written)?.[1] ?? written).trim();
      if (!name) return { kind: 'invalid', message: `name the token after what uses it. Usage: \`${USAGE['token-new']}\`` };
      if (name.length > 100) return { kind: 'invalid', message: `a token's name is at most 100 characters. Usage: \`${USAGE['token-new']}\`` };
      return { kind: 'token-new', scope, name };
    }
    case 'list':
      return rest.length === 1 ? { kind: 'token-list' } : { kind: 'invalid', message: `Usage: \`${USAGE['token-list']}\`` };
    case 'revoke': {
      const id = /^\d{1,9}$/.test(rest[1] ?? '') ? Number(rest[1]) : undefined;
      if (id === undefined || rest.length !== 2) return { kind: 'invalid', message: `${rest[1] ? `"${rest.slice(1).join(' ')}" is not a token id` : 'say which token'} (\`/ticket token list\` shows them). Usage: \`${USAGE['token-revoke']}\`` };
      return { kind: 'token-revoke', id };
    }
    default:
      return { kind: 'invalid', message: usage };
  }
}

/** Every usage line, for `/ticket help`. */
export function helpText(): string {
  return ['*/ticket* commands (answers only you can see):', ...Object.values(USAGE).map((line) => `• \`${line}\``)].join('\n');
}

function ticketNumber(word: string | undefined): number | undefined {
  const match = NUMBER.exec(word ?? '');
  return match ? Number(match[1]) : undefined;
}

function contactId(word: string | undefined): number | undefined {
  const match = /^(\d{1,9})$/.exec(word ?? '');
  return match ? Number(match[1]) : undefined;
}

function numberProblem(word: string | undefined): string {
  return word ? `"${word}" is not a ticket number` : 'say which ticket';
}

/** The text after the first `count` words, with its own spacing and line breaks kept. */
function afterWords(text: string, count: number): string {
  let rest = text;
  for (let i = 0; i < count; i++) rest = rest.replace(/^\s*\S+/, '');
  return rest.trim();
}
