import { describe, expect, it } from 'vitest';
import { smsEncoding, smsReplyNotice, smsSegments } from '../../../channels/twilio/segments.ts';

describe('SMS segment counting', () => {
  it('fits 160 GSM-7 characters in one SMS and splits longer text into 153-character segments', () => {
    expect(smsSegments('a'.repeat(160))).toBe(1);
    expect(smsSegments('a'.repeat(161))).toBe(2);
    expect(smsSegments('a'.repeat(306))).toBe(2);
    expect(smsSegments('a'.repeat(307))).toBe(3);
  });

  it('counts GSM-7 extension characters (€ [ ] { } ~ ^ | \\) as two septets', () => {
    expect(smsEncoding('Price: 10€ [incl. ~tax]')).toBe('GSM-7');
    expect(smsSegments('€'.repeat(80))).toBe(1);
    expect(smsSegments('€'.repeat(81))).toBe(2);
  });

  it('never splits an escape sequence across two segments', () => {
    // 306 septets would fit two segments, but the € cannot straddle the boundary.
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toBe(3);
  });

  it('switches the whole text to UCS-2 for one character outside the GSM alphabet', () => {
    expect(smsEncoding('Thanks for waiting 😀')).toBe('UCS-2');
    expect(smsEncoding('It’s done')).toBe('UCS-2');
    expect(smsSegments('a'.repeat(70))).toBe(1);
    expect(smsSegments(`${'a'.repeat(70)}😀`)).toBe(2);
  });

  it('counts an emoji as two UTF-16 units and keeps each pair whole: 70 per SMS, 67 per segment', () => {
    expect(smsSegments('😀'.repeat(35))).toBe(1);
    // 36 emoji are 72 units: 33 fit the first 67-unit segment, the 34th starts the second.
    expect(smsSegments('😀'.repeat(36))).toBe(2);
    expect(smsSegments('😀'.repeat(67))).toBe(3);
  });

  it('says nothing about a single-segment reply', () => {
    expect(smsReplyNotice('Your order ships tomorrow.')).toBeUndefined();
    expect(smsSegments('')).toBe(0);
  });

  it('tells the agent how many segments a long reply costs, and why when UCS-2 is to blame', () => {
    expect(smsReplyNotice('a'.repeat(400))).toBe('This reply costs 3 SMS segments.');
    const notice = smsReplyNotice(`${'a'.repeat(100)} 🙂`);
    expect(notice).toMatch(/^This reply costs 2 SMS segments\. “🙂” is outside the GSM alphabet/);
  });
});
