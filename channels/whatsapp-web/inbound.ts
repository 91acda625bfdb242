/**
 * What the linked device hears, turned into what the core stores: a customer's message (text,
 * media, a voice note, a location as a map link, contact cards as text), a delivery
 * acknowledgement of one of our replies, an edit or a revoke. Status broadcasts, our own
 * messages and (unless configured) groups are not for us.
 */
import type { DeliveryState, InboundAttachment, InboundMessage } from '../../src/channels/contract.ts';
import { ACK, type WaMessage } from './client.ts';

export const WHATSAPP_WEB_CHANNEL = 'whatsapp-web';

/** Why a message is not a customer's, or undefined when it is. */
export function notForUs(message: WaMessage, groups: boolean): string | undefined {
  if (message.fromMe || message.id.fromMe) return 'our own message';
  if (message.isStatus || message.from === 'status@broadcast') return 'a status broadcast';
  if (message.from.endsWith('@g.us') && !groups) return 'a group message (WHATSAPP_WEB_GROUPS is off)';
  if (message.from.endsWith('@newsletter') || message.from.endsWith('@broadcast')) return 'a channel or broadcast list';
  if (['e2e_notification', 'notification_template', 'gp2', 'call_log', 'protocol', 'revoked', 'ciphertext'].includes(message.type)) return `a ${message.type} notice`;
  return undefined;
}

/** A sender's address: the number in E.164 when WhatsApp shows it, else the privacy id. */
export interface Sender {
  address: string;
  kind: 'phone' | 'whatsapp-lid';
}

/** `15550001111@c.us` → +15550001111; `…@lid` resolved through `resolve` where WhatsApp allows. */
export async function senderOf(id: string, resolve: (lid: string) => Promise<string | undefined>): Promise<Sender> {
  if (id.endsWith('@lid')) {
    const number = await resolve(id).catch(() => undefined);
    if (number) return { address: `+${number.replace(/@c\.us$/, '')}`, kind: 'phone' };
    return { address: id.replace(/@lid$/, ''), kind: 'whatsapp-lid' };
  }
  return { address: `+${id.replace(/@c\.us$/, '')}`, kind: 'phone' };
}

/**
 * The customer's message for the core. Media is downloaded here (a voice note is an audio
 * file); a file WhatsApp no longer has is named in the text.
 */
export async function inboundMessage(message: WaMessage, sender: Sender): Promise<InboundMessage> {
  const lines: string[] = [];
  const attachments: InboundAttachment[] = [];
  const body = message.body?.trim() ?? '';
  switch (message.type) {
    case 'location': {
      const { latitude, longitude, description, name, address } = message.location ?? { latitude: 0, longitude: 0 };
      const label = [name ?? description, address].filter(Boolean).join(', ');
      lines.push(`📍 ${label ? `${label}: ` : ''}https://www.google.com/maps/search/?api=1&query=${latitude},${longitude}`);
      break;
    }
    case 'vcard':
    case 'multi_vcard':
      for (const card of message.vCards.length ? message.vCards : [body]) lines.push(contactCardText(card));
      break;
    default:
      if (body && !message.hasMedia) lines.push(body);
      else if (message.hasMedia && body && message.type !== 'ptt' && message.type !== 'audio') lines.push(body); // a caption
  }
  if (message.hasMedia) {
    const media = await message.downloadMedia().catch(() => undefined);
    if (media?.data) {
      const voice = message.type === 'ptt';
      attachments.push({
        name: media.filename || `${voice ? 'voice-note' : message.type}-${message.timestamp}${extensionOf(media.mimetype)}`,
        contentType: media.mimetype.split(';')[0]!.trim(),
        data: new Uint8Array(Buffer.from(media.data, 'base64')),
      });
      if (voice) lines.push('🎤 voice note');
    } else {
      lines.push(`[a ${message.type === 'ptt' ? 'voice note' : message.type} that could not be downloaded]`);
    }
  }
  const name = message._data?.notifyName?.trim();
  return {
    kind: 'message',
    channel: WHATSAPP_WEB_CHANNEL,
    externalId: message.id._serialized,
    from: sender.address,
    ...(sender.kind === 'whatsapp-lid' ? { identityKind: 'whatsapp-lid' as const } : {}),
    ...(name ? { name } : {}),
    // The chat id replies go to, whatever the identity is.
    conversation: message.from,
    text: lines.join('\n'),
    attachments,
    receivedAt: new Date(message.timestamp * 1000),
  };
}

/** A vCard (contact card) as a line an agent can read: the name and each number. */
export function contactCardText(vcard: string): string {
  const unfolded = vcard.replace(/\r?\n[ \t]/g, '');
  const name = /^FN[^:]*:(.*)$/im.exec(unfolded)?.[1]?.trim();
  const phones = [...unfolded.matchAll(/^TEL[^:]*:(.*)$/gim)].map((m) => m[1]!.trim()).filter(Boolean);
  return `👤 Contact card: ${name ?? 'unnamed'}${phones.length ? ` (${phones.join(', ')})` : ''}`;
}

/** A delivery acknowledgement as a delivery state; pending says nothing new. */
export function ackState(ack: number): DeliveryState | undefined {
  if (ack === ACK.error) return 'failed';
  if (ack === ACK.server) return 'sent';
  if (ack === ACK.device) return 'delivered';
  if (ack >= ACK.read) return 'read';
  return undefined;
}

function extensionOf(mimetype: string): string {
  const sub = mimetype.split(';')[0]!.split('/')[1];
  if (!sub) return '';
  const known: Record<string, string> = { jpeg: '.jpg', png: '.png', webp: '.webp', gif: '.gif', mp4: '.mp4', ogg: '.ogg', mpeg: '.mp3', pdf: '.pdf' };
  return known[sub] ?? (/^[a-z0-9]{1,5}$/.test(sub) ? `.${sub}` : '');
}
