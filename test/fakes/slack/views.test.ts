import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from './index.ts';
import { recordingLogger } from './recording-logger.ts';

let slack: SlackEmulator;
let client: WebClient;
// Long enough for a worker's first, cold WebClient call under a loaded test run; short enough
// to wait out in the expiry test.
const TRIGGER_TTL_MS = 1_000;
beforeEach(async () => {
  slack = await startSlackEmulator({ triggerTtlMs: TRIGGER_TTL_MS });
  client = new WebClient(slack.botToken, { slackApiUrl: slack.url, logger: recordingLogger(), retryConfig: { retries: 0 } });
});
afterEach(() => slack.close());

const modal = {
  type: 'modal' as const,
  callback_id: 'priority',
  title: { type: 'plain_text' as const, text: 'Priority of #42' },
  submit: { type: 'plain_text' as const, text: 'Save' },
  blocks: [
    {
      type: 'input' as const,
      block_id: 'level',
      label: { type: 'plain_text' as const, text: 'Priority' },
      element: {
        type: 'static_select' as const,
        action_id: 'priority',
        options: ['low', 'urgent'].map((p) => ({ text: { type: 'plain_text' as const, text: p }, value: p })),
      },
    },
    { type: 'input' as const, block_id: 'why', label: { type: 'plain_text' as const, text: 'Reason' }, element: { type: 'plain_text_input' as const, action_id: 'reason' } },
  ],
};

describe('modals and trigger_ids', () => {
  it('opens a modal for the user the trigger belongs to and answers the view with its id and hash', async () => {
    const result = await client.views.open({ trigger_id: slack.newTriggerId('U0AGENT001'), view: modal });
    expect(result.view).toMatchObject({ type: 'modal', callback_id: 'priority', team_id: slack.teamId, app_id: slack.appId });
    expect(result.view?.id).toMatch(/^V/);
    expect(slack.views('U0AGENT001')).toMatchObject([{ open: true, view: { id: result.view!.id } }]);
  });

  it('accepts a trigger_id once, and not after it expired', async () => {
    const trigger = slack.newTriggerId('U0AGENT001');
    await client.views.open({ trigger_id: trigger, view: modal });
    await expect(client.views.open({ trigger_id: trigger, view: modal })).rejects.toMatchObject({ data: { error: 'exchanged_trigger_id' } });
    const late = slack.newTriggerId('U0AGENT001');
    await new Promise((r) => setTimeout(r, TRIGGER_TTL_MS + 50));
    await expect(client.views.open({ trigger_id: late, view: modal })).rejects.toMatchObject({ data: { error: 'expired_trigger_id' } });
    await expect(client.views.open({ trigger_id: '1.2.abc', view: modal })).rejects.toMatchObject({ data: { error: 'invalid_trigger_id' } });
  });

  it('refuses a modal without a title, explaining why in response_metadata', async () => {
    const { title: _title, ...untitled } = modal;
    await expect(client.views.open({ trigger_id: slack.newTriggerId('U0AGENT001'), view: untitled as typeof modal })).rejects.toMatchObject({
      data: { error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] missing required field: title [json-pointer:/view]'] } },
    });
  });

  it('updates a modal by id, refusing a stale hash', async () => {
    const { view } = await client.views.open({ trigger_id: slack.newTriggerId('U0AGENT001'), view: modal });
    const updated = await client.views.update({ view_id: view!.id!, hash: view!.hash!, view: { ...modal, title: { type: 'plain_text', text: 'Saved' } } });
    expect(updated.view?.title?.text).toBe('Saved');
    await expect(client.views.update({ view_id: view!.id!, hash: view!.hash!, view: modal })).rejects.toMatchObject({ data: { error: 'hash_conflict' } });
  });

  it('fills state.values by action_id in a view_submission, as the person chose', async () => {
    const { view } = await client.views.open({ trigger_id: slack.newTriggerId('U0AGENT001'), view: modal });
    const payload = slack.viewSubmission({ user: 'U0AGENT001', viewId: view!.id!, values: { priority: 'urgent', reason: 'CEO' } });
    expect(payload).toMatchObject({
      type: 'view_submission',
      user: { id: 'U0AGENT001' },
      view: {
        id: view!.id,
        callback_id: 'priority',
        state: {
          values: {
            level: { priority: { type: 'static_select', selected_option: { value: 'urgent' } } },
            why: { reason: { type: 'plain_text_input', value: 'CEO' } },
          },
        },
      },
    });
    expect(() => slack.viewSubmission({ user: 'U0AGENT001', viewId: view!.id!, values: { priority: 'medium' } })).toThrow(/no option medium/);
    expect(() => slack.viewSubmission({ user: 'U0AGENT001', viewId: view!.id!, values: { nope: 'x' } })).toThrow(/no input nope/);
  });
});

describe('App Home', () => {
  const home = {
    type: 'home' as const,
    blocks: [{ type: 'actions' as const, block_id: 'queue', elements: [{ type: 'button' as const, action_id: 'claim', value: '7', text: { type: 'plain_text' as const, text: 'Claim #7' } }] }],
  };

  it('publishes a home view per user and sends it along with app_home_opened', async () => {
    await client.views.publish({ user_id: 'U0AGENT001', view: home });
    expect(slack.homeView('U0AGENT001')?.view.blocks).toEqual(home.blocks);
    expect(slack.homeView('U0AGENT002')).toBeUndefined();
    const event = slack.userOpensHome('U0AGENT001');
    expect(event).toMatchObject({ type: 'app_home_opened', user: 'U0AGENT001', tab: 'home', view: { type: 'home' } });
    expect(String(event.channel)).toMatch(/^D/);
  });

  it('builds a block_actions payload for a button on the home tab', async () => {
    const { view } = await client.views.publish({ user_id: 'U0AGENT001', view: home });
    const payload = slack.blockActions({ user: 'U0AGENT001', viewId: view!.id!, actionId: 'claim' });
    expect(payload).toMatchObject({ container: { type: 'view', view_id: view!.id }, actions: [{ action_id: 'claim', value: '7', block_id: 'queue' }] });
    expect(payload).not.toHaveProperty('response_url');
  });
});
