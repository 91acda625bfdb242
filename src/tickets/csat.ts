/**
 * Satisfaction scores that do not come as a message: a press of a survey button (Telegram,
 * Discord), and the form behind an email's signed link. A reply with the number is taken by
 * intake (automatic-answers.ts). Every way records the score once per ticket, as a `csat` event.
 */
import type { ChoiceResult, InboundChoice } from '../channels/contract.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { normaliseAddress } from '../shared/address.ts';
import { normaliseLanguage } from '../shared/language.ts';
import { hasSurvey, identityVoice, recordScore } from './automatic-sql.ts';
import { cleanInbound } from './clean.ts';
import { findIdentity, setIdentityLanguage } from './contacts-sql.ts';
import { change, type TicketContext } from './context.ts';
import { parseCsatChoice } from './customer-replies.ts';
import { identityKindOf } from './intake.ts';
import { lockTicketByNumber } from './tickets-sql.ts';

// What the customer may write beside a score on the link's page.
const COMMENT_CHARS = 2_000;

/**
 * A button press. Only a press by the ticket's own contact, on its channel, on a ticket that
 * was surveyed, counts; anything else is `unknown` (a forged callback names any ticket).
 */
export async function choose(ctx: TicketContext, dirty: InboundChoice): Promise<ChoiceResult> {
  const choice = cleanInbound(dirty);
  const picked = parseCsatChoice(choice.value);
  if (!picked) return { outcome: 'unknown' };
  const kind = identityKindOf(ctx, choice.channel);
  const address = normaliseAddress(kind, choice.from);
  if (!address) return { outcome: 'unknown' };
  return change(ctx, async (tx, record, at) => {
    const ticket = await lockTicketByNumber(tx, picked.ticket);
    const identity = ticket && ticket.channel === choice.channel ? await findIdentity(tx, kind, address) : undefined;
    if (!ticket || !identity || identity.contactId !== ticket.contactId || !(await hasSurvey(tx, ticket.id))) return { outcome: 'unknown' };
    const language = normaliseLanguage(choice.language) ?? identity.language;
    if (language && language !== identity.language) await setIdentityLanguage(tx, identity.id, language);
    const rated = await recordScore(tx, ticket.id, picked.score, null, at);
    if (rated) record(rated, 'csat', 'customer', { score: picked.score, comment: null });
    const outcome = rated ? 'recorded' : 'duplicate';
    return { outcome, ticket: ticket.number, ...(ctx.customer ? { reply: ctx.customer.thanks(language, outcome) } : {}) };
  });
}

/**
 * A score from the page an email's signed link opens (the link is checked by the HTTP surface).
 * Returns the outcome and what to tell the customer.
 */
export async function rateByLink(ctx: TicketContext, number: number, score: number, comment: string | null): Promise<{ outcome: 'recorded' | 'duplicate'; reply: string | undefined }> {
  if (!Number.isInteger(score) || score < 1 || score > 5) throw new ValidationError('the score is a whole number from 1 to 5', 'score');
  const text = comment === null ? null : cleanInbound(comment).trim().slice(0, COMMENT_CHARS) || null;
  return change(ctx, async (tx, record, at) => {
    const ticket = await lockTicketByNumber(tx, number);
    if (!ticket || !(await hasSurvey(tx, ticket.id))) throw new NotFoundError(`ticket #${number} has no survey`);
    const rated = await recordScore(tx, ticket.id, score, text, at);
    if (rated) record(rated, 'csat', 'customer', { score, comment: text });
    const outcome = rated ? 'recorded' : 'duplicate';
    const { language } = await identityVoice(tx, ticket.identityId);
    return { outcome, reply: ctx.customer?.thanks(language, outcome) };
  });
}
