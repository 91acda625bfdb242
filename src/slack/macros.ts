import type { App, BlockAction, ExternalSelectAction, webApi } from '@slack/bolt';
import type { Sql } from '../db/index.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { storedAgentName } from '../macros/macros-sql.ts';
import { MACRO_NAME, type Macros } from '../macros/index.ts';
import type { Tickets } from '../tickets/index.ts';
import { CARD_ACTIONS, ticketOfBlockId } from './card.ts';
import { MACRO_VIEWS, macroOptions, macroReplyModal, macroSaveModal } from './macro-views.ts';
import { errorLine, tell } from './responder.ts';
import { SHORTCUTS } from './shortcuts.ts';
import { findTicketByThread, saveAgentName } from './slack-sql.ts';

/** The message shortcut (slack-manifest.yml) that opens "Reply with macro…" from a ticket's thread. */
const MACRO_SHORTCUT = SHORTCUTS.macro;

export interface MacroDeps {
  sql: Sql;
  /** The bot token: Bolt's own client has none here (our `authorize` gives it to listeners). */
  botToken: string;
  tickets: Tickets;
  macros: Macros;
  logger: Logger;
}

/**
 * How customers read an agent's name: what the desk stored, else their Slack name (kept for
 * status answers too). Undefined when Slack cannot say: the macro then names "our team".
 */
export function agentNames(sql: Sql, client: webApi.WebClient, token: string, logger: Logger): (user: string) => Promise<string | undefined> {
  return async (user) => {
    const known = await storedAgentName(sql, user);
    if (known) return known;
    try {
      const { user: profile } = await client.users.info({ token, user });
      const name = profile?.real_name?.trim() || profile?.profile?.display_name?.trim() || profile?.name?.trim();
      if (name) await saveAgentName(sql, user, name);
      return name || undefined;
    } catch (error) {
      logger.debug({ agent: user, err: (error as Error).message }, 'agent name not learned');
      return undefined;
    }
  };
}

/**
 * Macros in Slack: "Reply with macro…" on the card and as a message shortcut in a ticket's
 * thread (Slack runs no slash commands in threads), its picker filling in the preview, the
 * reply modal's submission, and `/ticket macro add`'s modal. A modal opens with the
 * interaction's trigger_id, good for 3 s, so it is opened at once, not in a job.
 * https://docs.slack.dev/surfaces/modals#opening_modals
 */
export function registerMacroListeners(app: App, deps: MacroDeps): void {
  const { macros, logger } = deps;
  const agentName = agentNames(deps.sql, app.client, deps.botToken, logger);

  const openReply = async (client: webApi.WebClient, triggerId: string, number: number) => {
    if (!(await deps.tickets.find(number))) throw new NotATicket(number);
    await client.views.open({ trigger_id: triggerId, view: macroReplyModal(number, await macros.list()) });
  };

  app.action<BlockAction>(CARD_ACTIONS.macro, async ({ ack, body, action, client, respond }) => {
    await ack();
    const number = ticketOfBlockId(action.block_id);
    if (number === undefined) return;
    try {
      await openReply(client, body.trigger_id, number);
    } catch (error) {
      await tell(respond, errorLine(error, logger, { action: CARD_ACTIONS.macro, ticket: number }), logger);
    }
  });

  app.shortcut({ callback_id: MACRO_SHORTCUT, type: 'message_action' }, async ({ ack, shortcut, client, respond }) => {
    await ack();
    try {
      // The card is the thread's parent: used on it or on any reply, the shortcut finds the ticket.
      const thread = await findTicketByThread(deps.sql, shortcut.channel.id, String(shortcut.message.thread_ts ?? shortcut.message.ts));
      if (!thread) throw new NotATicket();
      await openReply(client, shortcut.trigger_id, thread.number);
    } catch (error) {
      await tell(respond, errorLine(error, logger, { shortcut: MACRO_SHORTCUT }), logger);
    }
  });

  // The picker's options, as the agent types (an options load request: answered within 3 s).
  app.options(MACRO_VIEWS.pick, async ({ ack, options }) => {
    await ack({ options: macroOptions(await macros.list(), options.value) });
  });

  // Choosing a macro fills in its preview for this ticket, editable before sending.
  app.action<BlockAction<ExternalSelectAction>>(MACRO_VIEWS.pick, async ({ ack, body, action, client }) => {
    await ack();
    const view = body.view;
    const name = action.selected_option?.value;
    if (!view || !name) return;
    const number = Number(view.private_metadata);
    try {
      const chosen = await macros.preview(number, name, body.user.id, await agentName(body.user.id));
      await client.views.update({ view_id: view.id, hash: view.hash, view: macroReplyModal(number, await macros.list(), chosen) });
    } catch (error) {
      // A newer update won (hash_conflict) or the macro went: the agent sees the modal as it is.
      logger.warn({ err: (error as Error).message, ticket: number, macro: name }, 'macro preview not shown');
    }
  });

  // Sent once per modal: the view id is the reply's key, so a submission delivered twice sends one reply.
  app.view(MACRO_VIEWS.reply, async ({ ack, body, view }) => {
    const number = Number(view.private_metadata);
    const values = view.state.values;
    const name = values.macro?.[MACRO_VIEWS.pick]?.selected_option?.value;
    if (!name) {
      await ack({ response_action: 'errors', errors: { macro: 'Choose a macro.' } });
      return;
    }
    // The text shown for this macro, as the agent left it; the text of another one does not count.
    const text = values[`text:${name}`]?.text?.value ?? undefined;
    try {
      const agent = body.user.id;
      const sender = await agentName(agent);
      await macros.send({ number, name, agent, ...(sender ? { agentName: sender } : {}), ...(text ? { text } : {}), once: `view:${view.id}` });
      await ack();
    } catch (error) {
      await ack({ response_action: 'errors', errors: { macro: errorLine(error, logger, { view: MACRO_VIEWS.reply, ticket: number }) } });
    }
  });

  app.view(MACRO_VIEWS.save, async ({ ack, body, view }) => {
    const values = view.state.values;
    const input = {
      name: view.private_metadata,
      text: values.text?.text?.value ?? '',
      status: values.status?.status?.selected_option?.value ?? null,
      priority: values.priority?.priority?.selected_option?.value ?? null,
      tags: (values.tags?.tags?.value ?? '').split(/[\s,]+/).filter(Boolean),
    };
    try {
      await macros.save(input, body.user.id);
      await ack();
    } catch (error) {
      const field = (error as { field?: string }).field;
      const block = field === 'status' || field === 'priority' || field === 'tags' ? field : 'text';
      await ack({ response_action: 'errors', errors: { [block]: errorLine(error, logger, { view: MACRO_VIEWS.save }) } });
    }
  });
}

/** `/ticket macro add NAME` and `/ticket macro N`: the modal, opened with the command's trigger. */
export async function openMacroCommandModal(
  deps: MacroDeps,
  client: webApi.WebClient,
  triggerId: string,
  command: { action: 'add'; name: string } | { action: 'pick'; number: number },
): Promise<void> {
  if (command.action === 'add') {
    // The name is checked before the agent types the text.
    if (!MACRO_NAME.test(command.name)) throw new ValidationError(`"${command.name}" is not a macro name: use lower-case letters, digits, - and _ (up to 40)`, 'name');
    await deps.macros.editable(command.name);
    const existing = (await deps.macros.list()).find((m) => m.name === command.name);
    await client.views.open({ trigger_id: triggerId, view: macroSaveModal(command.name, existing) });
    return;
  }
  if (!(await deps.tickets.find(command.number))) throw new NotATicket(command.number);
  await client.views.open({ trigger_id: triggerId, view: macroReplyModal(command.number, await deps.macros.list()) });
}

/** The ticket of a macro's way in is not there. */
class NotATicket extends NotFoundError {
  constructor(number?: number) {
    super(number === undefined ? 'this message is not in a ticket\'s thread: use the shortcut on a card or its thread' : `there is no ticket #${number}`);
  }
}
