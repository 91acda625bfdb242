/**
 * Text between Slack's mrkdwn and plain text. Slack treats `&`, `<` and `>` as control
 * characters: what a customer wrote is escaped before it is shown, and what an agent wrote
 * is unescaped (links and mentions made readable) before it leaves for the customer.
 * https://docs.slack.dev/messaging/formatting-message-text#escaping
 */

/** Escapes text for a mrkdwn or plain_text field, so it shows exactly as written. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * What an agent typed, as the customer should read it: `<https://x|label>` becomes
 * `label (https://x)`, `<mailto:a@b|a@b>` becomes `a@b`, `<#C123|general>` becomes `#general`,
 * `<@U123>` stays readable as `@U123`, and entities are unescaped.
 */
export function mrkdwnToPlain(text: string): string {
  const linked = text.replace(/<([^<>|]+)(?:\|([^<>]*))?>/g, (_all, target: string, label: string | undefined) => {
    if (target.startsWith('@')) return label ? `@${label}` : target;
    if (target.startsWith('#')) return label ? `#${label}` : target;
    if (target.startsWith('!')) return label ?? `@${target.slice(1).split('^')[0]}`;
    const url = target.replace(/^mailto:/, '');
    if (!label || label === url || label === target) return url;
    return `${label} (${url})`;
  });
  return linked.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** `text` cut to `max` characters, saying how much was left out. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const more = text.length - max;
  return `${text.slice(0, max)}… (${more} more character${more === 1 ? '' : 's'})`;
}

/** Quotes every line for mrkdwn (`>`), so a customer's words stand apart. */
export function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
}

/**
 * A date Slack renders in each reader's own time zone; `{ago}` reads "in 25 minutes" or
 * "3 hours ago", so the card needs no re-render as time passes.
 * https://docs.slack.dev/messaging/formatting-message-text#date-formatting
 */
export function slackDate(at: Date, format = '{date_short_pretty} at {time}'): string {
  const fallback = at.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return `<!date^${Math.floor(at.getTime() / 1000)}^${format}|${fallback}>`;
}

/** `95 minutes` → "1h 35m"; for waiting times in alerts. */
export function humanDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts = [days ? `${days}d` : '', hours ? `${hours}h` : '', mins || (!days && !hours) ? `${mins}m` : ''].filter(Boolean);
  return parts.join(' ');
}

/** A satisfaction score as stars: `★★★★☆ 4/5`. */
export function scoreStars(score: number): string {
  return `${'★'.repeat(score)}${'☆'.repeat(5 - score)} ${score}/5`;
}
