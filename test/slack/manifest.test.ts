import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../src/slack/index.ts';
import { SHORTCUT_IDS } from '../../src/slack/shortcuts.ts';

const manifest = readFileSync(new URL('../../slack-manifest.yml', import.meta.url), 'utf8');
const listed = (key: string) => {
  const block = new RegExp(`\\n(\\s*)${key}:\\n((?:\\1\\s+(?:-|#).*\\n)+)`).exec(manifest);
  return (block?.[2] ?? '').split('\n').flatMap((line) => /^\s*-\s*(\S+)/.exec(line)?.[1] ?? []);
};

describe('slack-manifest.yml', () => {
  it('asks for the scope of every Web API call Switchboard makes', () => {
    // chat.postMessage/update/postEphemeral/getPermalink, username; conversations' message
    // events; files.getUploadURLExternal/completeUploadExternal and url_private; reactions.add;
    // users.info (agents' names) and users.getPresence; dnd.info; the slash command.
    // https://docs.slack.dev/reference/scopes
    expect(listed('bot').sort()).toEqual(['channels:history', 'chat:write', 'chat:write.customize', 'commands', 'dnd:read', 'files:read', 'files:write', 'groups:history', 'reactions:write', 'users:read']);
  });

  it('declares every message shortcut Switchboard answers', () => {
    const declared = [...manifest.matchAll(/- name: .+\n\s+type: message\n\s+callback_id: (\S+)\n/g)].map((m) => m[1]);
    expect(declared.sort()).toEqual([...SHORTCUT_IDS].sort());
  });

  it('subscribes to the events Switchboard handles', () => {
    expect(listed('bot_events').sort()).toEqual(['app_home_opened', 'message.channels', 'message.groups']);
  });

  it('sends events, the /ticket command (escaped), interactivity and options loads to /slack/events, with the Home tab on', () => {
    expect(manifest.match(new RegExp(`(request_url|url): https://switchboard\\.example\\.com${SLACK_EVENTS_PATH}\\n`, 'g'))).toHaveLength(4);
    expect(manifest).toContain(`message_menu_options_url: https://switchboard.example.com${SLACK_EVENTS_PATH}\n`);
    expect(manifest).toMatch(/- command: \/ticket\n/);
    expect(manifest).toMatch(/should_escape: true/);
    expect(manifest).toMatch(/interactivity:\n\s+is_enabled: true/);
    expect(manifest).toMatch(/home_tab_enabled: true/);
    expect(manifest).toMatch(/socket_mode_enabled: (true|false)/);
  });
});
