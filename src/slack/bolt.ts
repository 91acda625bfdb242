import { App, type BlockAction, type BlockElementAction, type ButtonAction, type Receiver, type types } from '@slack/bolt';
import type { ApiTokens } from '../api-tokens/index.ts';
import type { ChannelStatusLine } from '../channels/overview.ts';
import type { Sql } from '../db/index.ts';
import { ValidationError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Reports } from '../reports/index.ts';
import type { Clock } from '../shared/clock.ts';
import type { KnowledgeBase } from '../knowledge/index.ts';
import type { Macros } from '../macros/index.ts';
import type { Tickets } from '../tickets/index.ts';
import { CARD_ACTIONS, ticketOfBlockId } from './card.ts';
import type { SlackConfig } from './config.ts';
import { parseTicketCommand } from './command-parse.ts';
import { runTicketCommand, type CommandAnswer } from './commands.ts';
import { contactModal, CONTACT_VIEW, readContactForm, readContactMetadata } from './contact-modal.ts';
import { listenForHeldChoices } from './held-actions.ts';
import { HOME_ACTIONS, publishHome } from './home.ts';
import { errorLine, tell } from './responder.ts';
import { listenForMerges } from './merge-actions.ts';
import { registerKnowledgeListeners } from './kb.ts';
import { agentNames, openMacroCommandModal, registerMacroListeners } from './macros.ts';
import { boltLogger, webClientOptions } from './slack-api.ts';
import { mrkdwnToPlain } from './text.ts';

export interface BoltDeps {
  config: SlackConfig;
  sql: Sql;
  tickets: Tickets;
  clock: Clock;
  logger: Logger;
  fetch: typeof fetch;
  /** Every channel's state, for `/ticket channels`. */
  channelStatus(): Promise<ChannelStatusLine[]>;
  /** Figures and dashboard links, for `/ticket stats` and `/ticket dashboard`. */
  reports: Reports;
  /** Scoped API tokens, for `/ticket token …`. */
  apiTokens?: ApiTokens;
  /** Who may use `/ticket token …` (SLACK_ADMINS). */
  admins: readonly string[];
  /** Canned replies: `/ticket macro`, "Reply with macro…". */
  macros: Macros;
  /** Articles: `/ticket kb`, "Send to customer", "Save as article". */
  kb: KnowledgeBase;
}

export const ESCALATE_VIEW = 'ticket.escalate';

/**
 * Our transports (the hono route, Socket Mode) hand Bolt each command and interaction
 * themselves, through `processEvent`; Bolt only routes them to the listeners below. Events
 * never go through Bolt: Bolt acknowledges an event before its listener runs, and we store an
 * event before acknowledging it.
 */
const transportsAreOurs: Receiver = { init: () => {}, start: async () => {}, stop: async () => {} };

/** A Bolt app with the `/ticket` command, the card's buttons and menus, and the escalation modal. */
export function createBoltApp(deps: BoltDeps): App {
  const { tickets, logger } = deps;
  const app = new App({
    receiver: transportsAreOurs,
    // The one workspace's bot token, without the auth.test call Bolt would otherwise make.
    authorize: async () => ({ botToken: deps.config.botToken }),
    ignoreSelf: false,
    convoStore: false,
    clientOptions: webClientOptions(deps.config, logger, deps.fetch),
    logger: boltLogger(logger),
  });

  const macroDeps = { ...deps, botToken: deps.config.botToken };
  const commandDeps = { ...deps, agentName: agentNames(deps.sql, app.client, deps.config.botToken, logger) };
  app.command('/ticket', async ({ command, ack, respond, client }) => {
    const shape = (answer: CommandAnswer) => ({ response_type: 'ephemeral' as const, ...(typeof answer === 'string' ? { text: answer } : answer) });
    const parsed = parseTicketCommand(command.text);
    // Adding a macro and picking one open a modal, with the command's trigger (3 s): at once.
    if (parsed.kind === 'macro' && (parsed.macro.action === 'add' || parsed.macro.action === 'pick')) {
      try {
        await openMacroCommandModal(macroDeps, client, command.trigger_id, parsed.macro);
        await ack();
      } catch (error) {
        await ack(shape(errorLine(error, logger, { command: command.text })));
      }
      return;
    }
    // Figures over a month of a busy desk can take longer than the 3 s Slack gives the
    // acknowledgement: acknowledge at once and answer through the response_url.
    // https://docs.slack.dev/interactivity/implementing-slash-commands#responding_to_commands
    if (parsed.kind === 'stats') {
      await ack();
      await respond(shape(await runTicketCommand(commandDeps, command.user_id, command.text)));
      return;
    }
    await ack(shape(await runTicketCommand(commandDeps, command.user_id, command.text, command.trigger_id)));
  });

  /** A card control: acknowledged at once, then the change; a refusal is told to the clicker only. */
  const onCard = <A extends BlockElementAction>(actionId: string, run: (number: number, user: string, action: A) => Promise<unknown>) =>
    app.action<BlockAction<A>>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const number = ticketOfBlockId(action.block_id) ?? Number((action as { value?: string }).value);
      if (!Number.isInteger(number)) return;
      try {
        await run(number, body.user.id, action);
      } catch (error) {
        await tell(respond, errorLine(error, logger, { action: actionId, ticket: number }), logger);
      }
    });

  onCard(CARD_ACTIONS.claim, (n, user) => tickets.claim(n, user));
  onCard(CARD_ACTIONS.resolve, (n, user) => tickets.transition(n, 'resolve', user));
  onCard(CARD_ACTIONS.reopen, (n, user) => tickets.transition(n, 'reopen', user));
  onCard(CARD_ACTIONS.sendTemplate, (n, user) => tickets.sendTemplate(n, user));
  onCard<{ type: 'static_select'; selected_option: { value: string } | null } & BlockElementAction>(CARD_ACTIONS.priority, async (n, user, action) => {
    const priority = action.selected_option?.value;
    if (priority === 'low' || priority === 'normal' || priority === 'high' || priority === 'urgent') await tickets.setPriority(n, priority, user);
  });
  onCard<{ type: 'users_select'; selected_user: string | null } & BlockElementAction>(CARD_ACTIONS.assign, async (n, user, action) => {
    await tickets.assign(n, action.selected_user ?? null, user);
  });
  onCard<{ type: 'static_select'; selected_option: { value: string } | null } & BlockElementAction>(CARD_ACTIONS.team, async (n, user, action) => {
    if (action.selected_option?.value) await tickets.moveTeam(n, action.selected_option.value, user);
  });

  listenForMerges(app, deps);

  // Escalate asks why first: a modal must be opened with the click's trigger_id within 3 s,
  // so this happens at once, not in a job. https://docs.slack.dev/surfaces/modals#opening_modals
  app.action<BlockAction>(CARD_ACTIONS.escalate, async ({ ack, body, action, client, respond }) => {
    await ack();
    const number = ticketOfBlockId(action.block_id);
    if (number === undefined) return;
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: escalateModal(number) });
    } catch (error) {
      await tell(respond, errorLine(error, logger, { action: 'escalate', ticket: number }), logger);
    }
  });

  // The contact's tags and custom fields in a modal, opened at once with the click's trigger_id.
  app.action<BlockAction>(CARD_ACTIONS.contact, async ({ ack, body, action, client, respond }) => {
    await ack();
    const number = ticketOfBlockId(action.block_id);
    if (number === undefined) return;
    try {
      const contact = await tickets.contact(await tickets.contactOfTicket(number));
      await client.views.open({ trigger_id: body.trigger_id, view: contactModal(number, contact) });
    } catch (error) {
      await tell(respond, errorLine(error, logger, { action: 'contact', ticket: number }), logger);
    }
  });

  app.view(CONTACT_VIEW, async ({ ack, body, view }) => {
    const metadata = readContactMetadata(view.private_metadata);
    if (!metadata) {
      await ack();
      return;
    }
    const values = view.state.values;
    try {
      const form = readContactForm(values.tags?.tags?.value, values.custom?.custom?.value, await tickets.contact(metadata.contactId));
      if (!form.ok) {
        await ack({ response_action: 'errors', errors: form.errors });
        return;
      }
      await tickets.updateContact(metadata.contactId, form.patch, body.user.id);
      await ack();
    } catch (error) {
      const field = error instanceof ValidationError && error.field === 'custom' ? 'custom' : 'tags';
      await ack({ response_action: 'errors', errors: { [field]: errorLine(error, logger, { view: CONTACT_VIEW, ticket: metadata.number }) } });
    }
  });

  app.view(ESCALATE_VIEW, async ({ ack, body, view }) => {
    const number = Number(view.private_metadata);
    const reason = view.state.values.reason?.reason?.value?.trim();
    try {
      await tickets.escalate(number, body.user.id, reason ? mrkdwnToPlain(reason) : null);
      await ack();
    } catch (error) {
      await ack({ response_action: 'errors', errors: { reason: errorLine(error, logger, { view: ESCALATE_VIEW, ticket: number }) } });
    }
  });

  listenForHeldChoices(app, { tickets, logger });

  // The App Home's duty toggle: the same change as `/ticket duty on|off`, then the Home again.
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.duty, async ({ ack, body, action, client }) => {
    await ack();
    if (action.value !== 'on' && action.value !== 'off') return;
    try {
      await tickets.setDuty(body.user.id, action.value === 'on');
      await publishHome({ sql: deps.sql, tickets, client, clock: deps.clock }, body.user.id);
    } catch (error) {
      errorLine(error, logger, { action: HOME_ACTIONS.duty });
    }
  });
  registerMacroListeners(app, macroDeps);
  registerKnowledgeListeners(app, deps);

  app.error(async (error) => {
    logger.error({ err: error }, 'slack listener failed');
  });
  return app;
}

/** The escalation modal: a reason, optional. */
export function escalateModal(number: number): types.ModalView {
  return {
    type: 'modal',
    callback_id: ESCALATE_VIEW,
    private_metadata: String(number),
    title: { type: 'plain_text', text: `Escalate #${number}`.slice(0, 24) },
    submit: { type: 'plain_text', text: 'Escalate' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: { type: 'plain_text', text: 'Why does it need escalating?' },
        element: { type: 'plain_text_input', action_id: 'reason', multiline: true },
      },
    ],
  };
}
