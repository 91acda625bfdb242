import type { Context, Hono } from 'hono';
import { CSAT_PATH, type CsatLinks } from '../customer/links.ts';
import type { CustomerVoice } from '../customer/replies.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { readBody } from '../shared/http.ts';
import type { Tickets } from '../tickets/index.ts';
import type { AppEnv } from './app.ts';
import { toErrorResponse } from './errors.ts';

// A score and a comment: anything much larger is not our form.
const MAX_FORM_BYTES = 16 * 1024;

/**
 * The page an email survey's signed link opens: `GET /csat/:ticket?score=N&signature=…` shows
 * the question with that score chosen and a comment box; the form POSTs back and the score is
 * recorded then. Opening the link records nothing, because mail scanners (Outlook's Safe Links,
 * corporate gateways) open every link in a message before the customer does: recording on GET
 * would rate each surveyed ticket 1 before anyone read it.
 */
export function csatRoutes(tickets: Pick<Tickets, 'surveyed' | 'rateByLink'>, links: CsatLinks, voice: CustomerVoice) {
  return (app: Hono<AppEnv>) => {
    const ticketOf = (param: string, signature: string): number => {
      const number = /^[1-9]\d{0,8}$/.test(param) ? Number(param) : NaN;
      if (!Number.isInteger(number) || !links.verify(number, signature)) throw new NotFoundError('this rating link is not valid (it may have been cut short: try opening it from the email again)');
      return number;
    };
    const scoreOf = (value: unknown): number => {
      const score = Number(value);
      if (!Number.isInteger(score) || score < 1 || score > 5) throw new ValidationError('choose a score from 1 to 5', 'score');
      return score;
    };

    app.get(`${CSAT_PATH}/:ticket`, asPage(async (c) => {
      const signature = c.req.query('signature') ?? '';
      const number = ticketOf(c.req.param('ticket') ?? '', signature);
      const ticket = await tickets.surveyed(number);
      if (!ticket) throw new NotFoundError(`ticket #${number} has no survey`);
      const chosen = c.req.query('score');
      const score = chosen === undefined ? undefined : scoreOf(chosen);
      if (ticket.rated) return c.html(page(voice.thanks(ticket.language, 'duplicate')));
      const words = voice.page(ticket, ticket.language);
      return c.html(page(words.question, form(c.req.path, signature, score, words)));
    }));

    app.post(`${CSAT_PATH}/:ticket`, asPage(async (c) => {
      const fields = new URLSearchParams(new TextDecoder().decode(await readBody(c.req.raw, MAX_FORM_BYTES)));
      const number = ticketOf(c.req.param('ticket') ?? '', fields.get('signature') ?? '');
      const result = await tickets.rateByLink(number, scoreOf(fields.get('score')), fields.get('comment'));
      return c.html(page(result.reply ?? 'Thank you.'));
    }));
  };
}

/** A handler whose refusals are a page, not JSON: a person reads them in a browser. */
function asPage(handler: (c: Context<AppEnv>) => Promise<Response>) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    try {
      return await handler(c);
    } catch (error) {
      const { status, body } = toErrorResponse(error);
      if (status >= 500) throw error;
      return c.html(page(body.message), status);
    }
  };
}

function form(action: string, signature: string, score: number | undefined, words: { comment: string; send: string }): string {
  const choices = [1, 2, 3, 4, 5]
    .map((n) => `<label><input type="radio" name="score" value="${n}"${n === score ? ' checked' : ''} required> ${n}</label>`)
    .join('\n');
  return `<form method="post" action="${escape(action)}">
<input type="hidden" name="signature" value="${escape(signature)}">
<p class="scores">${choices}</p>
<p><label>${escape(words.comment)}<br><textarea name="comment" rows="4" maxlength="2000"></textarea></label></p>
<p><button type="submit">${escape(words.send)}</button></p>
</form>`;
}

function page(heading: string, body = ''): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escape(heading)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}.scores label{margin-right:1rem;font-size:1.3rem}textarea{width:100%}</style>
</head><body><h1>${escape(heading)}</h1>
${body}
</body></html>`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
