import type { FileStore, StoredFile } from '../files/store.ts';

/** A file as a Slack message event lists it. */
export interface SlackFileRef {
  id?: string;
  name?: string;
  mimetype?: string;
  url_private_download?: string;
  url_private?: string;
}

/**
 * Downloads the files an agent dropped in a thread and stores them, for the reply that
 * carries them to the customer. url_private needs the bot token; without it Slack answers
 * 200 with its HTML sign-in page, so an HTML answer for a file that is not HTML is refused
 * rather than relayed. https://docs.slack.dev/messaging/working-with-files#authentication
 */
export async function downloadSlackFiles(files: readonly SlackFileRef[], deps: { botToken: string; fetch: typeof fetch; store: FileStore }): Promise<StoredFile[]> {
  const stored: StoredFile[] = [];
  for (const file of files) {
    const url = file.url_private_download ?? file.url_private;
    if (!url) continue;
    const response = await deps.fetch(url, { headers: { authorization: `Bearer ${deps.botToken}` }, signal: AbortSignal.timeout(30_000) });
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || (type.startsWith('text/html') && !(file.mimetype ?? '').includes('html'))) {
      await response.body?.cancel();
      throw new Error(`could not download ${file.name ?? file.id} from Slack (HTTP ${response.status}, ${type || 'no type'})`);
    }
    const data = new Uint8Array(await response.arrayBuffer());
    stored.push(await deps.store.put({ name: file.name ?? 'file', contentType: file.mimetype ?? 'application/octet-stream', data }));
  }
  return stored;
}
