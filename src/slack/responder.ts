import { ConflictError, IllegalTransitionError, NotFoundError, ValidationError } from '../errors.ts';
import type { RespondFn } from '@slack/bolt';
import type { Logger } from '../log.ts';

/**
 * The one place Slack answers are decided for errors: a typed error of the core becomes one
 * line the agent reads (ephemerally); anything else is logged and the agent gets a line
 * saying so, never a stack trace.
 */
export function errorLine(error: unknown, logger: Logger, context: Record<string, unknown> = {}): string {
  if (error instanceof NotFoundError || error instanceof IllegalTransitionError || error instanceof ConflictError || error instanceof ValidationError) {
    return sentence(error.message);
  }
  logger.error({ err: error, ...context }, 'slack request failed');
  return ':warning: Something went wrong on our side; it has been logged. Try again in a moment.';
}

/** A line starting with a capital and ending with a full stop. */
function sentence(message: string): string {
  const text = message.trim();
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** An ephemeral line to the person who clicked, through the interaction's response_url. */
export async function tell(respond: RespondFn, text: string, logger: Logger): Promise<void> {
  try {
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  } catch (error) {
    logger.warn({ err: error }, 'could not answer a Slack action');
  }
}
