/**
 * Templates of what Switchboard says by itself: the keys each part has, the placeholders each key
 * may use, the built-in English every key falls back to, and how one is chosen and filled in.
 */
import { languageFallbacks } from '../shared/language.ts';

const TICKET = ['ticket.number', 'ticket.subject'] as const;

/** Every key of every part, with the placeholders it may use (anything else is a config problem). */
export const PLACEHOLDERS = {
  acknowledgement: {
    /** Inside business hours (or with none): the usual first-reply time. */
    open: [...TICKET, 'customer.name', 'reply.within', 'reply.by'],
    /** Outside business hours: when the desk opens again. */
    closed: [...TICKET, 'customer.name', 'reply.within', 'reply.by', 'opens.day', 'opens.time'],
    /** The ticket's priority has no first-reply target. */
    untimed: [...TICKET, 'customer.name'],
  },
  status: {
    header: [],
    line: ['ticket.number', 'ticket.subject', 'ticket.state', 'ticket.agent'],
    none: [],
    new: [],
    open: [],
    pending: [],
    resolved: [],
    assigned: ['agent.name'],
    unassigned: [],
    /** Who has a ticket when the agent's name is not known yet. */
    agent: [],
  },
  csat: {
    buttons: [...TICKET],
    reply: [...TICKET],
    links: [...TICKET, 'links', 'link.1', 'link.2', 'link.3', 'link.4', 'link.5'],
    thanks: [],
    already: [],
    /** The page an email's link opens: its question, the comment box, the button. */
    page: [...TICKET],
    comment: [],
    send: [],
  },
} as const;

export type PartName = keyof typeof PLACEHOLDERS;
export type TemplateKey<P extends PartName> = keyof (typeof PLACEHOLDERS)[P] & string;
export type TemplateSet<P extends PartName> = Record<TemplateKey<P>, string>;

const THANKS_FOR_WRITING = 'Thank you for writing to us. Your ticket number is #{{ticket.number}}.';
const HOW_DID_WE_DO = 'How did we do with ticket #{{ticket.number}}?';

/** What every key says when the file does not say otherwise. */
export const BUILT_IN: { [P in PartName]: TemplateSet<P> } = {
  acknowledgement: {
    open: `${THANKS_FOR_WRITING} We usually answer within {{reply.within}}.`,
    closed: `${THANKS_FOR_WRITING} We usually answer within {{reply.within}}; it's outside our hours now, so expect us {{opens.day}} from {{opens.time}}.`,
    untimed: `${THANKS_FOR_WRITING} We will answer as soon as we can.`,
  },
  status: {
    header: 'Your tickets with us:',
    line: '#{{ticket.number}} “{{ticket.subject}}”: {{ticket.state}}, {{ticket.agent}}',
    none: 'You have no open tickets with us. Write your question here and we will open one.',
    new: 'received',
    open: 'in progress',
    pending: 'waiting for your answer',
    resolved: 'resolved',
    assigned: 'with {{agent.name}}',
    unassigned: 'waiting for the next free agent',
    agent: 'one of our team',
  },
  csat: {
    buttons: `${HOW_DID_WE_DO} Please rate us from 1 (poor) to 5 (excellent).`,
    reply: `${HOW_DID_WE_DO} Reply with a number from 1 (poor) to 5 (excellent), and a comment if you like.`,
    links: `${HOW_DID_WE_DO} Choose a score from 1 (poor) to 5 (excellent):\n{{links}}`,
    thanks: 'Thank you for your rating!',
    already: 'Your rating of this ticket is already recorded. Thank you!',
    page: HOW_DID_WE_DO,
    comment: 'Anything you would like to add? (optional)',
    send: 'Send',
  },
};

/** Templates by language for one part: the desk's, and a channel's own. */
export interface TemplateSources<P extends PartName> {
  channel?: Record<string, Partial<TemplateSet<P>>>;
  desk: Record<string, Partial<TemplateSet<P>>>;
}

/**
 * The template for `key`: in the customer's language (the channel's own first, then the desk's),
 * else in the desk's default language, else built-in English. Also says which language it is,
 * for formatting numbers and dates in it.
 */
export function pick<P extends PartName>(part: P, key: TemplateKey<P>, sources: TemplateSources<P>, language: string | null, fallback: string): { text: string; language: string } {
  for (const tag of [...languageFallbacks(language), ...languageFallbacks(fallback)]) {
    for (const set of [sources.channel, sources.desk]) {
      const text = set?.[tag]?.[key];
      if (text) return { text, language: tag };
    }
  }
  return { text: BUILT_IN[part][key], language: 'en' };
}

/** Fills in `{{placeholders}}`; one without a value becomes empty. */
export function fill(text: string, values: Readonly<Record<string, string | number | null | undefined>>): string {
  return text.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (_, name: string) => String(values[name] ?? ''));
}
