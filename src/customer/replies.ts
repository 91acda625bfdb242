/**
 * The words of what Switchboard says by itself (tickets' `CustomerReplies`), from the
 * `customer:` section of switchboard.yml and the SLA policy: the acknowledgement with the
 * expected reply time, the status answer, and the survey worded for how the channel answers.
 */
import type { Calendar } from '../sla/calendar.ts';
import type { ScopedPolicy, SlaScope } from '../sla/scopes.ts';
import type { SlaPolicy } from '../sla/types.ts';
import { csatChoiceValue, type CustomerReplies, type Survey } from '../tickets/index.ts';
import { languageFallbacks } from '../shared/language.ts';
import type { CsatAnswer, CustomerSettings, PartSettings } from './config.ts';
import { expectedReply } from './expected.ts';
import type { CsatLinks } from './links.ts';
import { parseScore } from './score.ts';
import { fill, pick, type PartName, type TemplateKey, type TemplateSources } from './templates.ts';

const SCORES = [1, 2, 3, 4, 5] as const;
// Longer than any status word anyone configures: a message this long is conversation.
const MAX_STATUS_WORD = 64;

export interface CustomerVoiceDeps {
  settings: CustomerSettings;
  policy: SlaPolicy;
  calendar: Calendar;
  /** The policy of a ticket's team and contact tags (switchboard.yml); without it, `policy` for all. */
  scoped?: (scope: SlaScope) => ScopedPolicy;
  /** Signed survey links, when PUBLIC_BASE_URL is set; without it, email surveys ask for a reply. */
  links?: CsatLinks;
}

/** What the page behind a survey link says, in the customer's language. */
export interface SurveyPage {
  question: string;
  comment: string;
  send: string;
}

/** `CustomerReplies` for tickets, and the words of the survey link's page for HTTP. */
export type CustomerVoice = CustomerReplies & { page(ticket: { number: number; subject: string | null }, language: string | null): SurveyPage };

/** Builds the customer's side of the desk from the `customer:` section and the SLA policy. */
export function customerVoice(deps: CustomerVoiceDeps): CustomerVoice {
  const { settings, links } = deps;
  // The targets and hours the ticket is measured by: its team's and its contact's tags'.
  const scopedFor = (team: string | null, tags: readonly string[]): ScopedPolicy => deps.scoped?.({ team, tags }) ?? deps;

  const partOf = <P extends PartName>(part: P) => settings[part] as PartSettings<P> | undefined;
  const on = (part: PartName, channel: string) => partOf(part) !== undefined && partOf(part)!.channels[channel] !== 'off';
  const sources = <P extends PartName>(part: P, channel?: string): TemplateSources<P> => {
    const own = channel ? partOf(part)?.channels[channel] : undefined;
    return { desk: partOf(part)?.templates ?? {}, ...(own && own !== 'off' ? { channel: own.templates } : {}) };
  };
  const text = <P extends PartName>(part: P, key: TemplateKey<P>, from: TemplateSources<P>, language: string | null) => pick(part, key, from, language, settings.language);

  return {
    acknowledgement({ ticket, customerName, language, at, contactTags = [] }) {
      if (!on('acknowledgement', ticket.channel)) return undefined;
      const from = sources('acknowledgement', ticket.channel);
      const base = { 'ticket.number': ticket.number, 'ticket.subject': ticket.subject, 'customer.name': customerName };
      const { policy, calendar } = scopedFor(ticket.team, contactTags);
      const timeZone = policy.businessHours?.timezone ?? 'UTC';
      const target = policy.targets[ticket.priority]?.firstReply;
      if (!target) return fill(text('acknowledgement', 'untimed', from, language).text, base);
      const opening = expectedReply(target, calendar, timeZone, at, 'en');
      const template = text('acknowledgement', opening.open ? 'open' : 'closed', from, language);
      // Numbers and dates in the template's own language.
      const expected = expectedReply(target, calendar, timeZone, at, template.language);
      return fill(template.text, { ...base, ...expected.values });
    },

    isStatusRequest(channel, said, language) {
      const status = settings.status;
      if (!status || !on('status', channel)) return false;
      const word = statusWord(said);
      if (!word || word.length > MAX_STATUS_WORD) return false;
      const tags = language ? [...languageFallbacks(language), ...languageFallbacks(settings.language)] : [];
      const known = tags.filter((tag) => status.words[tag]);
      // An unknown language (SMS says none) matches any language's words.
      const lists = known.length ? known.map((tag) => status.words[tag]!) : Object.values(status.words);
      return lists.some((words) => words.some((w) => statusWord(w) === word));
    },

    statusAnswer({ channel, tickets, language }) {
      const from = sources('status', channel);
      const say = (key: TemplateKey<'status'>) => text('status', key, from, language).text;
      if (tickets.length === 0) return say('none');
      const lines = tickets.map((t) =>
        fill(say('line'), {
          'ticket.number': t.number,
          'ticket.subject': t.subject,
          'ticket.state': say(t.status),
          'ticket.agent': t.assigned ? fill(say('assigned'), { 'agent.name': t.agent ?? say('agent') }) : say('unassigned'),
        }),
      );
      return [say('header'), ...lines].join('\n');
    },

    survey({ ticket, language, maxChoices }): Survey | undefined {
      if (!on('csat', ticket.channel)) return undefined;
      const own = settings.csat!.channels[ticket.channel];
      const answer = answerWay(own && own !== 'off' ? own.answer : undefined, ticket.channel, maxChoices, links !== undefined);
      const from = sources('csat', ticket.channel);
      const base = { 'ticket.number': ticket.number, 'ticket.subject': ticket.subject };
      const template = text('csat', answer, from, language).text;
      if (answer === 'buttons') {
        return { answer, text: fill(template, base), choices: SCORES.map((n) => ({ value: csatChoiceValue(ticket.number, n), label: String(n) })) };
      }
      if (answer === 'links') {
        const urls = SCORES.map((n) => links!.url(ticket.number, n));
        const each = Object.fromEntries(urls.map((url, i) => [`link.${i + 1}`, url]));
        return { answer, text: fill(template, { ...base, ...each, links: urls.map((url, i) => `${i + 1}: ${url}`).join('\n') }) };
      }
      return { answer, text: fill(template, base) };
    },

    score: parseScore,

    thanks(language, outcome) {
      return text('csat', outcome === 'recorded' ? 'thanks' : 'already', sources('csat'), language).text;
    },

    page(ticket, language) {
      const from = sources('csat');
      const say = (key: TemplateKey<'csat'>) => text('csat', key, from, language).text;
      return { question: fill(say('page'), { 'ticket.number': ticket.number, 'ticket.subject': ticket.subject }), comment: say('comment'), send: say('send') };
    },
  };
}

/**
 * How the survey is answered on a channel: as configured, else the channel's buttons where it
 * has five, links by email, a reply elsewhere. What the channel cannot do falls back to a reply.
 */
function answerWay(configured: CsatAnswer | undefined, channel: string, maxChoices: number | undefined, haveLinks: boolean): CsatAnswer {
  const buttons = (maxChoices ?? 0) >= SCORES.length;
  const wanted = configured ?? (buttons ? 'buttons' : channel === 'email' ? 'links' : 'reply');
  if ((wanted === 'buttons' && !buttons) || (wanted === 'links' && !haveLinks)) return 'reply';
  return wanted;
}

/** A message as a status word: one line, any case, without a command slash or closing punctuation. */
function statusWord(text: string): string | undefined {
  const word = text
    .trim()
    .replace(/^\/(\S+?)(@\w+)?$/u, '$1')
    .replace(/[\s.!?…]+$/u, '')
    .replace(/\s+/gu, ' ')
    .toLocaleLowerCase();
  return word || undefined;
}
