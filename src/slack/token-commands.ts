import type { ApiTokenRow, ApiTokens, Scope } from '../api-tokens/index.ts';
import { escapeMrkdwn, slackDate } from './text.ts';

export type TokenCommand = { kind: 'token-new'; scope: Scope; name: string } | { kind: 'token-list' } | { kind: 'token-revoke'; id: number };

const REFUSAL = 'Only the desk\'s admins (SLACK_ADMINS) can make, list or revoke API tokens.';

/** Whether `/ticket <text>` is a token command: refused before parsing for anyone not an admin. */
export function isTokenCommand(text: string): boolean {
  return /^\s*token(\s|$)/i.test(text);
}

/**
 * `/ticket token …` for an admin: the answer is ephemeral, which is why a new token can be
 * shown in it, this once (only its hash is kept).
 */
export async function runTokenCommand(tokens: ApiTokens | undefined, admins: readonly string[], user: string, command: TokenCommand): Promise<string> {
  if (!admins.includes(user)) return REFUSAL;
  if (!tokens) return 'API tokens are not available on this instance.';
  switch (command.kind) {
    case 'token-new': {
      const { token, row } = await tokens.create({ name: command.name, scope: command.scope, by: user });
      return [
        `New *${row.scope}* API token *${escapeMrkdwn(row.name)}* (id ${row.id}). Copy it now: it is shown only this once.`,
        `\`${token}\``,
        `Use it as \`Authorization: Bearer <token>\`; revoke it with \`/ticket token revoke ${row.id}\`.`,
      ].join('\n');
    }
    case 'token-list': {
      const rows = await tokens.list();
      if (rows.length === 0) return 'No API tokens yet (API_CHANNEL_TOKEN aside). Make one with `/ticket token new read "CRM sync"`.';
      return [`*API tokens* (${rows.length}):`, ...rows.map(tokenLine)].join('\n');
    }
    case 'token-revoke': {
      const row = await tokens.revoke(command.id, user);
      return `API token ${row.id} (*${escapeMrkdwn(row.name)}*, ${row.scope}) is revoked${row.revokedBy === user ? '' : ` (by <@${row.revokedBy}>)`}: requests with it are refused within seconds.`;
    }
  }
}

function tokenLine(row: ApiTokenRow): string {
  const used = row.lastUsedAt ? `last used ${slackDate(row.lastUsedAt, '{ago}')}` : 'never used';
  const state = row.revokedAt ? `:no_entry: revoked ${slackDate(row.revokedAt, '{ago}')} by <@${row.revokedBy}>` : used;
  return `• ${row.id} · *${escapeMrkdwn(row.name)}* · ${row.scope} · \`${row.prefix}…\` · made by <@${row.createdBy}> ${slackDate(row.createdAt, '{ago}')} · ${state}`;
}
