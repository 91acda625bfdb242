import type { types } from '@slack/bolt';
import type { Article, ArticleHit } from '../knowledge/index.ts';
import { escapeMrkdwn } from './text.ts';

/** Action and callback ids of the knowledge base in Slack. */
export const KB_ACTIONS = {
  /** "Send to customer" under a suggestion: the button's value is `ticket:article`. */
  send: 'kb.send',
  /** The "Save as article" modal. */
  save: 'kb.save.article',
} as const;

const SNIPPET_CHARS = 220;
const plain = (text: string): types.PlainTextElement => ({ type: 'plain_text', text });
const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The start of an article's body on one line, for a suggestion or a search result. */
export function articleSnippet(body: string): string {
  return cut(body.replace(/[#>*_`~]+/g, '').replace(/\s+/g, ' ').trim(), SNIPPET_CHARS);
}

/** What the customer receives when an article is sent: its title, then its Markdown. */
export function articleReply(article: Pick<Article, 'title' | 'body'>): string {
  return `${article.title}\n\n${article.body}`.trim();
}

/** The value of a suggestion's button: which ticket, which article. */
export function sendValue(number: number, articleId: number): string {
  return `${number}:${articleId}`;
}

export function readSendValue(value: string | undefined): { number: number; articleId: number } | undefined {
  const match = /^(\d+):(\d+)$/.exec(value ?? '');
  return match ? { number: Number(match[1]), articleId: Number(match[2]) } : undefined;
}

/** The thread post of a new ticket: the articles its message matches, each with "Send to customer". */
export function suggestionPost(number: number, hits: readonly ArticleHit[]): { text: string; blocks: types.KnownBlock[] } {
  const text = `:bulb: Articles that may answer #${number}: ${hits.map((h) => `“${h.title}”`).join(', ')}`;
  const blocks: types.KnownBlock[] = [
    { type: 'context', block_id: 'kb:head', elements: [{ type: 'mrkdwn', text: ':bulb: *From the knowledge base*: articles that may answer this (the customer sees one only when you send it)' }] },
    ...hits.map(
      (hit): types.SectionBlock => ({
        type: 'section',
        block_id: `kb:${hit.id}`,
        text: { type: 'mrkdwn', text: `*${escapeMrkdwn(cut(hit.title, 200))}*\n${escapeMrkdwn(articleSnippet(hit.body))}` },
        accessory: { type: 'button', action_id: KB_ACTIONS.send, text: plain('Send to customer'), value: sendValue(number, hit.id) },
      }),
    ),
  ];
  return { text, blocks };
}

/** `/ticket kb WORDS`: the matches, best first. */
export function searchAnswer(words: string, hits: readonly ArticleHit[]): string {
  if (hits.length === 0) return `No article matches “${escapeMrkdwn(words)}”.`;
  return [`*Articles for “${escapeMrkdwn(words)}”* (${hits.length}):`, ...hits.map((h) => `• *${escapeMrkdwn(h.title)}*${h.tags.length ? ` ${h.tags.map((t) => `\`${t}\``).join(' ')}` : ''}: ${escapeMrkdwn(articleSnippet(h.body))}`)].join('\n');
}

/** "Save as article": title and tags, the message's text as the body, all editable. */
export function saveArticleModal(text: string): types.ModalView {
  const firstLine = text.split('\n').find((line) => line.trim())?.trim() ?? '';
  return {
    type: 'modal',
    callback_id: KB_ACTIONS.save,
    title: plain('Save as article'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      { type: 'input', block_id: 'title', label: plain('Title'), element: { type: 'plain_text_input', action_id: 'title', max_length: 200, ...(firstLine ? { initial_value: cut(firstLine, 200) } : {}) } },
      {
        type: 'input',
        block_id: 'body',
        label: plain('Article (Markdown)'),
        element: { type: 'plain_text_input', action_id: 'body', multiline: true, max_length: 3000, ...(text.trim() ? { initial_value: cut(text.trim(), 3000) } : {}) },
      },
      { type: 'input', block_id: 'tags', optional: true, label: plain('Tags (separated by spaces)'), element: { type: 'plain_text_input', action_id: 'tags' } },
    ],
  };
}
