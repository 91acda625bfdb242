import { describe, expect, it } from 'vitest';
import { normaliseAddress, normalisePhone } from '../../src/shared/address.ts';

describe('phone normalisation', () => {
  it('gives one E.164 address for a typed number, an E.164 number and a Twilio WhatsApp address', () => {
    const forms = ['+1 (555) 000-1111', '+15550001111', 'whatsapp:+15550001111'];
    expect(new Set(forms.map((f) => normalisePhone(f)))).toEqual(new Set(['+15550001111']));
  });

  it('reads whatsapp-web.js chat ids', () => {
    expect(normalisePhone('15550001111@c.us')).toBe('+15550001111');
  });

  it('refuses text that is not a number', () => {
    expect(normalisePhone('hello')).toBeNull();
    expect(normaliseAddress('phone', '')).toBeNull();
  });

  it('lower-cases email and keeps numeric platform ids', () => {
    expect(normaliseAddress('email', ' Ada@Example.COM ')).toBe('ada@example.com');
    expect(normaliseAddress('telegram', '12345')).toBe('12345');
    expect(normaliseAddress('telegram', 'ada')).toBeNull();
  });
});
