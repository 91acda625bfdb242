import { describe, expect, it } from 'vitest';
import type { InboundDeletion, InboundEdit, InboundMessage, InboundStatus } from '../../src/channels/contract.ts';
import { ValidationError } from '../../src/errors.ts';
import { cleanInbound, cleanText } from '../../src/tickets/clean.ts';

const message = (over: Partial<InboundMessage> = {}): InboundMessage => ({
  kind: 'message',
  channel: 'api',
  externalId: 'm-1',
  from: 'ana',
  conversation: 'ana',
  text: 'hello',
  attachments: [],
  ...over,
});

describe('cleanText', () => {
  it('removes U+0000 wherever it is', () => {
    expect(cleanText('\u0000a\u0000b\u0000')).toBe('ab');
  });

  it('removes the other C0 controls but keeps tab, line feed and carriage return', () => {
    expect(cleanText('a\u0001\u0007\b\u000b\f\u001b[31mb\u001f')).toBe('a[31mb');
    expect(cleanText('line 1\r\n\tline 2\n')).toBe('line 1\r\n\tline 2\n');
  });

  it('replaces a lone high or low surrogate with U+FFFD', () => {
    expect(cleanText('a\ud800b')).toBe('a\ufffdb');
    expect(cleanText('a\udc00b')).toBe('a\ufffdb');
    expect(cleanText('\ud800')).toBe('\ufffd');
    expect(cleanText('end\udbff')).toBe('end\ufffd');
    expect(cleanText('\udfffstart')).toBe('\ufffdstart');
    // Two highs then a low: the first is lone, the second pairs with the low.
    expect(cleanText('\ud800\ud83d\ude00')).toBe('\ufffd😀');
    // A low then a high, reversed: both lone.
    expect(cleanText('\ude00\ud83d')).toBe('\ufffd\ufffd');
  });

  it('leaves paired surrogates (emoji, astral characters), DEL and other text as they were', () => {
    const text = 'Grüße 😀 𝄞 中文 \u007f\u0085 ok';
    expect(cleanText(text)).toBe(text);
  });

  it('yields text that survives a UTF-8 round trip unchanged', () => {
    const cleaned = cleanText('x\ud800y\udc01z\u0000');
    expect(new TextDecoder().decode(new TextEncoder().encode(cleaned))).toBe(cleaned);
  });
});

describe('cleanInbound', () => {
  it('cleans every string field of a message: text, name, ids, subject, recipient, references and attachment names', () => {
    const data = new Uint8Array([0, 1, 2]);
    const receivedAt = new Date('2026-01-01T00:00:00Z');
    const cleaned = cleanInbound(
      message({
        externalId: 'm\u0000-\ud800',
        from: 'ana\u0000',
        name: 'A\u0000na \udc00',
        conversation: 'c\u0000onv',
        text: 'hi\u0000 there \ud800!',
        subject: 'sub\u0000ject',
        recipient: 'desk\u0000',
        references: ['<a\u0000@x>', '<b@x>'],
        attachments: [{ name: 'f\u0000.txt', contentType: 'text/plain\u0000', data }],
        receivedAt,
      }),
    );
    expect(cleaned).toEqual({
      kind: 'message',
      channel: 'api',
      externalId: 'm-\ufffd',
      from: 'ana',
      name: 'Ana \ufffd',
      conversation: 'conv',
      text: 'hi there \ufffd!',
      subject: 'subject',
      recipient: 'desk',
      references: ['<a@x>', '<b@x>'],
      attachments: [{ name: 'f.txt', contentType: 'text/plain', data }],
      receivedAt,
    });
    // Bytes are the customer's file, not text: kept as they were, and so are dates.
    expect(cleaned.attachments[0]!.data).toBe(data);
    expect(cleaned.receivedAt).toBe(receivedAt);
  });

  it('cleans edits, deletions and delivery reports', () => {
    const edit: InboundEdit = { kind: 'edit', channel: 'telegram', externalId: '1\u0000', text: 'now\ud800', revision: 'r\u0000' };
    const deletion: InboundDeletion = { kind: 'deletion', channel: 'discord', externalId: '2\udc00' };
    const status: InboundStatus = {
      kind: 'status',
      channel: 'sms',
      externalId: 'SM\u00001',
      state: 'failed',
      error: { code: '30\u00003', reason: 'unreachable\ud800' },
    };
    expect(cleanInbound(edit)).toEqual({ kind: 'edit', channel: 'telegram', externalId: '1', text: 'now\ufffd', revision: 'r' });
    expect(cleanInbound(deletion)).toEqual({ kind: 'deletion', channel: 'discord', externalId: '2\ufffd' });
    expect(cleanInbound(status)).toEqual({ ...status, externalId: 'SM1', error: { code: '303', reason: 'unreachable\ufffd' } });
  });

  it('returns the event itself when nothing needed cleaning, and never changes the one it was given', () => {
    const clean = message({ references: ['<a@x>'], attachments: [{ name: 'a', contentType: 'b', data: new Uint8Array() }] });
    expect(cleanInbound(clean)).toBe(clean);
    const dirty = message({ text: 'a\u0000' });
    expect(cleanInbound(dirty).text).toBe('a');
    expect(dirty.text).toBe('a\u0000');
  });

  it.each([
    ['externalId', 'id'],
    ['from', 'from'],
    ['conversation', 'conversation'],
  ] as const)('refuses a message whose %s held nothing but removed characters, naming the field', (key, field) => {
    const run = () => cleanInbound(message({ [key]: '\u0000\u0001' }));
    expect(run).toThrow(ValidationError);
    expect(run).toThrow(expect.objectContaining({ field }));
  });

  it('refuses an edit, a deletion or a report whose platform id held nothing but removed characters', () => {
    const id = '\u0000';
    expect(() => cleanInbound<InboundEdit>({ kind: 'edit', channel: 'telegram', externalId: id, text: 'x' })).toThrow(ValidationError);
    expect(() => cleanInbound<InboundDeletion>({ kind: 'deletion', channel: 'discord', externalId: id })).toThrow(ValidationError);
    expect(() => cleanInbound<InboundStatus>({ kind: 'status', channel: 'sms', externalId: id, state: 'sent' })).toThrow(ValidationError);
  });

  it('lets text and optional fields become empty, and leaves fields that were empty already to the caller', () => {
    expect(cleanInbound(message({ text: '\u0000', name: '\u0000' }))).toMatchObject({ text: '', name: '' });
    expect(cleanInbound(message({ externalId: '', text: 'x\u0000' }))).toMatchObject({ externalId: '', text: 'x' });
  });
});
