import type { Priority } from '../tickets/index.ts';

export const MACRO_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** A macro may leave the ticket waiting on the customer, or resolve it (its reply opens it anyway). */
export const MACRO_STATUSES = ['pending', 'resolved'] as const;
export type MacroStatus = (typeof MACRO_STATUSES)[number];

/** A canned reply and what sending it also does. */
export interface MacroDefinition {
  name: string;
  text: string;
  status: MacroStatus | null;
  priority: Priority | null;
  tags: string[];
}

export interface Macro extends MacroDefinition {
  source: 'config' | 'slack';
}
