/**
 * A Slack emulator for tests: the Web API (as @slack/web-api calls it), signed Events API /
 * slash command / interactivity deliveries, and Socket Mode, on 127.0.0.1.
 *
 *   const slack = await startSlackEmulator();
 *   const client = new WebClient(slack.botToken, { slackApiUrl: slack.url });
 *
 * Channels exist only when configured (default #triage C0TRIAGE01, #general C0GENERAL1) or
 * added with `addChannel`; anything else answers `channel_not_found`, as Slack does, so a
 * wrong channel id fails a test instead of silently creating a channel. A user id as
 * `channel` posts to the app's DM with that user.
 */
export { startSlackEmulator, type SlackEmulator } from './emulator.ts';
export { signRequest, slackSignature, type SignatureVariant } from './signing.ts';
export type { DeliveryOptions, EventDeliveryOptions, HttpDelivery } from './inbound-http.ts';
export type { ActionInput, CommandInput, SubmissionInput } from './interactive.ts';
export type { Echo, EchoTarget } from './echoes.ts';
export type { FaultKind, LatencySummary } from './faults.ts';
export type { EnvelopeType, SendOptions } from './socket-mode.ts';
export type * from './types.ts';
