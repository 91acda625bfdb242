import type { Sql } from '../db/index.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { cleanTags, isPriority, type Message, type Tickets } from '../tickets/index.ts';
import { deleteMacro, findMacro, listMacros, macroTicket, storedAgentName, syncConfigMacros, upsertMacro } from './macros-sql.ts';
import { fillPlaceholders, macroTextProblem } from './placeholders.ts';
import { MACRO_NAME, MACRO_STATUSES, type Macro, type MacroDefinition, type MacroStatus } from './types.ts';

export { macrosSchema, macroDefinitions } from './config.ts';
export { PLACEHOLDERS, fillPlaceholders } from './placeholders.ts';
export { MACRO_NAME, MACRO_STATUSES, type Macro, type MacroDefinition, type MacroStatus } from './types.ts';

/** What a macro is used with: the ticket, the agent sending it and, once they edited it, the text. */
export interface MacroUse {
  number: number;
  name: string;
  agent: string;
  /** How customers read the agent's name ({{agent.name}}); the stored name, else "our team". */
  agentName?: string;
  /** The text as the agent edited it in the preview; the filled macro otherwise. */
  text?: string;
  /** The surface's key for this one use (a modal's view id, a command's trigger id): sent once. */
  once: string;
}

// Said where a name is unknown, so the sentence still reads.
const NO_CUSTOMER_NAME = 'there';
const NO_AGENT_NAME = 'our team';

/** Canned replies (issue 18): stored in Postgres, filled in per ticket, sent through the normal reply path. */
export function createMacros(deps: { sql: Sql; tickets: Tickets }) {
  const { sql, tickets } = deps;
  const known = async (name: string): Promise<Macro> => {
    const macro = await findMacro(sql, name.toLowerCase());
    if (!macro) throw new UnknownMacroError(name, (await listMacros(sql)).map((m) => m.name));
    return macro;
  };
  const fill = async (number: number, macro: Macro, agent: string, agentName?: string): Promise<string> => {
    const ticket = await macroTicket(sql, number);
    if (!ticket) throw new NotFoundError(`there is no ticket #${number}`);
    const name = agentName ?? (await storedAgentName(sql, agent)) ?? NO_AGENT_NAME;
    return fillPlaceholders(macro.text, { 'customer.name': ticket.customerName ?? NO_CUSTOMER_NAME, 'ticket.number': String(ticket.number), 'agent.name': name });
  };
  return {
    list: () => listMacros(sql),
    /** The macro named so; an UnknownMacroError listing the macros otherwise. */
    get: known,
    /** Adds or replaces an agent's macro, after checking its name, text, status, priority and tags. */
    async save(input: { name: string; text: string; status?: string | null; priority?: string | null; tags?: readonly string[] }, by: string): Promise<Macro> {
      const macro = checkMacro(input);
      await refuseFileOwned(sql, macro.name);
      return upsertMacro(sql, macro, 'slack', by);
    },
    /** Whether `name` may be added or edited from Slack (a ValidationError when switchboard.yml owns it). */
    editable: (name: string): Promise<void> => refuseFileOwned(sql, name.toLowerCase()),
    async remove(name: string): Promise<void> {
      await refuseFileOwned(sql, name.toLowerCase());
      if (!(await deleteMacro(sql, name.toLowerCase()))) throw new UnknownMacroError(name, (await listMacros(sql)).map((m) => m.name));
    },
    /** Makes switchboard.yml's `macros:` the stored ones it owns. */
    syncFromConfig: (macros: readonly MacroDefinition[]) => syncConfigMacros(sql, macros),
    /** The macro's text filled in for ticket #number, as the agent will send it. */
    async preview(number: number, name: string, agent: string, agentName?: string): Promise<{ macro: Macro; text: string }> {
      const macro = await known(name);
      return { macro, text: await fill(number, macro, agent, agentName) };
    },
    /** Sends the macro (or the agent's edit of it) as a reply and applies its status, priority and tags, in one change, once per `once`. */
    async send(use: MacroUse): Promise<{ macro: Macro; message: Message }> {
      const macro = await known(use.name);
      const text = use.text?.trim() ? use.text : await fill(use.number, macro, use.agent, use.agentName);
      const message = await tickets.reply({
        ticket: use.number,
        author: use.agent,
        text,
        once: `macro:${use.once}`,
        then: { ...(macro.status ? { status: macro.status } : {}), ...(macro.priority ? { priority: macro.priority } : {}), tags: macro.tags },
      });
      return { macro, message };
    },
  };
}

export type Macros = ReturnType<typeof createMacros>;

/** No macro has that name: says which ones there are. */
export class UnknownMacroError extends NotFoundError {
  readonly known: string[];
  constructor(name: string, known: string[]) {
    super(`there is no macro "${name}". ${known.length ? `The macros: ${known.map((n) => `\`${n}\``).join(', ')}` : 'No macros yet: add one with `/ticket macro add NAME`'}`);
    this.known = known;
  }
}

/** switchboard.yml owns the macros it names: changed from Slack, the next start would undo it. */
async function refuseFileOwned(sql: Sql, name: string): Promise<void> {
  const macro = await findMacro(sql, name);
  if (macro?.source === 'config') throw new ValidationError(`\`${name}\` comes from switchboard.yml: change it there`, 'name');
}

/** A macro as an agent gave it, checked: a ValidationError names the field at fault. */
export function checkMacro(input: { name: string; text: string; status?: string | null; priority?: string | null; tags?: readonly string[] }): MacroDefinition {
  const name = input.name.trim().toLowerCase();
  if (!MACRO_NAME.test(name)) throw new ValidationError(`"${input.name}" is not a macro name: use lower-case letters, digits, - and _ (up to 40)`, 'name');
  const problem = macroTextProblem(input.text);
  if (problem) throw new ValidationError(problem, 'text');
  const status = input.status || null;
  if (status !== null && !(MACRO_STATUSES as readonly string[]).includes(status)) throw new ValidationError(`"${status}" is not a status a macro sets: ${MACRO_STATUSES.join(' or ')}`, 'status');
  const priority = input.priority || null;
  if (priority !== null && !isPriority(priority)) throw new ValidationError(`"${priority}" is not a priority`, 'priority');
  const given = (input.tags ?? []).map((t) => t.trim()).filter(Boolean);
  const tags = given.length ? cleanTags(given) : [];
  return { name, text: input.text.trim(), status: status as MacroStatus | null, priority, tags };
}
