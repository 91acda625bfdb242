import { parse } from 'yaml';

/** An article as a Markdown file describes it. */
export interface ArticleText {
  title: string;
  body: string;
  tags: string[];
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;
const HEADING = /^#\s+(.+?)\s*#*\s*$/m;

/**
 * Reads one file of KB_DIR: optional front matter (`title:`, `tags:`), then Markdown. The title
 * is the front matter's, else the first `# heading` (taken out of the body), else the file name.
 * Pure; a front matter that is not YAML is a problem the import logs, naming the file.
 */
export function parseArticleFile(file: string, source: string): ArticleText {
  let text = source.replace(/^\uFEFF/, '');
  let meta: Record<string, unknown> = {};
  const front = FRONT_MATTER.exec(text);
  if (front) {
    const parsed: unknown = parse(front[1]!);
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error('its front matter is not a mapping');
    meta = (parsed ?? {}) as Record<string, unknown>;
    text = text.slice(front[0].length);
  }
  let title = typeof meta.title === 'string' ? meta.title.trim() : '';
  if (!title) {
    const heading = HEADING.exec(text);
    if (heading) {
      title = heading[1]!.trim();
      text = text.slice(0, heading.index) + text.slice(heading.index + heading[0].length);
    }
  }
  if (!title) title = titleOfFile(file);
  const tags = Array.isArray(meta.tags) ? meta.tags : typeof meta.tags === 'string' ? meta.tags.split(/[\s,]+/) : [];
  return { title, body: text.replace(/(\r?\n){3,}/g, '\n\n').trim(), tags: [...new Set(tags.map((t) => String(t).trim().replace(/^#/, '').toLowerCase()).filter(Boolean))] };
}

/** `reset-password.md` → "Reset password". */
function titleOfFile(file: string): string {
  const base = file.replace(/^.*\//, '').replace(/\.(md|markdown)$/i, '').replace(/[-_]+/g, ' ').trim();
  return base.charAt(0).toUpperCase() + base.slice(1);
}
