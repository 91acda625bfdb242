/**
 * What Switchboard says to customers by itself: the acknowledgement of a new ticket, the answer
 * to "status" and the satisfaction survey. The wording (templates, languages, the expected reply
 * time from the SLA policy) is src/customer's, passed in as `CustomerReplies`; what is stored,
 * when, and how it leaves (the durable delivery pipeline) is automatic.ts's.
 */
import type { ChannelName, OutboundChoice } from '../channels/contract.ts';
import type { StatusLine } from './automatic-sql.ts';
import type { CsatAnswerWay, Ticket } from './types.ts';

export type { StatusLine } from './automatic-sql.ts';

/** A survey as a channel carries it: the text, and the buttons where the channel has them. */
export interface Survey {
  text: string;
  choices?: OutboundChoice[];
  answer: CsatAnswerWay;
}

/** The words of what Switchboard says by itself, per channel and language (src/customer). */
export interface CustomerReplies {
  /** The acknowledgement of a new ticket's first message; undefined when off for its channel. */
  acknowledgement(input: { ticket: Ticket; customerName: string | null; language: string | null; at: Date; contactTags?: readonly string[] }): string | undefined;
  /** Whether `text` asks for the status of the customer's tickets (a configured word, any case). */
  isStatusRequest(channel: ChannelName, text: string, language: string | null): boolean;
  /** The answer to a status question: the contact's tickets that are not closed. */
  statusAnswer(input: { channel: ChannelName; tickets: StatusLine[]; language: string | null }): string;
  /** The survey for a ticket just resolved; undefined when off for its channel. */
  survey(input: { ticket: Ticket; language: string | null; maxChoices: number | undefined }): Survey | undefined;
  /** A message that answers a survey: its score and what follows it; undefined when it is no score. */
  score(text: string): { score: number; comment: string | null } | undefined;
  /** What the customer is told when they rate (a platform's notification, the link's page). */
  thanks(language: string | null, outcome: 'recorded' | 'duplicate'): string;
}

const CSAT_CHOICE = /^csat:(\d{1,9}):([1-5])$/;

/** The value of a survey button: the ticket and the score (Telegram's callback_data holds 64 bytes). */
export function csatChoiceValue(ticket: number, score: number): string {
  return `csat:${ticket}:${score}`;
}

/** The ticket and score a survey button's value names; undefined for anything else. */
export function parseCsatChoice(value: string): { ticket: number; score: number } | undefined {
  const match = CSAT_CHOICE.exec(value);
  return match ? { ticket: Number(match[1]), score: Number(match[2]) } : undefined;
}
