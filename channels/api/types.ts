/** What a custom app POSTs to /api/v1/inbound. */
export interface ApiInboundBody {
  id: string;
  from: string;
  name?: string;
  conversation?: string;
  text: string;
  /** The customer's language (BCP 47), for what Switchboard says to them by itself. */
  language?: string;
  attachments?: { name: string; contentType: string; data: string /* base64 */ }[];
}

/** What we POST to API_CHANNEL_WEBHOOK_URL for an agent's reply. */
export interface ApiOutboundBody {
  ticket: number;
  id: string;
  to: string;
  conversation: string;
  text: string;
  attachments?: { name: string; contentType: string; size: number; url?: string; data?: string }[];
}

export const INBOUND_PATH = '/api/v1/inbound';
export { SIGNATURE_HEADER } from '../../src/shared/crypto.ts';
