import { describe, expect, it } from 'vitest';
import { twilioModule } from '../../../channels/twilio/index.ts';
import { parseEnv } from '../../helpers/env.ts';

/** The module's settings for `env`, and the problems it recorded. */
const settingsOf = (env: Record<string, string>) => {
  const { value: settings, problems } = parseEnv((reader) => twilioModule.settings(reader), env);
  return { settings, problems };
};

const SID = 'AC' + 'a'.repeat(32);
const complete = {
  TWILIO_ACCOUNT_SID: SID,
  TWILIO_AUTH_TOKEN: 'b'.repeat(32),
  TWILIO_SMS_FROM: '+15550000001, +15550000002',
  PUBLIC_BASE_URL: 'https://desk.example.com/',
};

describe('Twilio settings', () => {
  it('is off and names every missing variable when nothing is set', () => {
    const { settings, problems } = settingsOf({});
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      enabled: false,
      missing: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_SMS_FROM or TWILIO_WHATSAPP_FROM', 'PUBLIC_BASE_URL'],
    });
  });

  it('enables SMS from a complete environment with the documented defaults', () => {
    const { settings, problems } = settingsOf(complete);
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      enabled: true,
      config: {
        accountSid: SID,
        authToken: 'b'.repeat(32),
        publicBaseUrl: 'https://desk.example.com',
        apiUrl: 'https://api.twilio.com',
        sendsPerSecond: 1,
        sms: { from: ['+15550000001', '+15550000002'] },
      },
    });
  });

  it('enables WhatsApp alone, with its template, accepting the number with or without whatsapp:', () => {
    const env = {
      ...complete,
      TWILIO_SMS_FROM: '',
      TWILIO_WHATSAPP_FROM: 'whatsapp:+15550009999',
      TWILIO_WHATSAPP_TEMPLATE_SID: 'HX' + 'c'.repeat(32),
    };
    const { settings } = settingsOf(env);
    expect(settings.enabled && settings.config.sms).toBeUndefined();
    expect(settings.enabled && settings.config.whatsapp).toEqual({ from: '+15550009999', templateSid: 'HX' + 'c'.repeat(32) });
  });

  it('lets a Messaging Service stand in for the SMS numbers', () => {
    const env = { ...complete, TWILIO_SMS_FROM: '', TWILIO_MESSAGING_SERVICE_SID: 'MG' + 'd'.repeat(32) };
    const { settings } = settingsOf(env);
    expect(settings.enabled && settings.config.sms).toEqual({ from: [], messagingServiceSid: 'MG' + 'd'.repeat(32) });
  });

  it('reports each present-but-invalid variable by name, and stays off', () => {
    const { settings, problems } = settingsOf({
      ...complete,
      TWILIO_ACCOUNT_SID: 'SK123',
      TWILIO_SMS_FROM: '+15550000001,5550000002',
      TWILIO_SEND_RATE: 'fast',
      TWILIO_API_URL: 'not a url',
      TWILIO_WHATSAPP_FROM: '0800 123',
      TWILIO_MESSAGING_SERVICE_SID: 'MG1',
      TWILIO_WHATSAPP_TEMPLATE_SID: 'template-1',
    });
    expect(settings.enabled).toBe(false);
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'TWILIO_ACCOUNT_SID',
      'TWILIO_API_URL',
      'TWILIO_MESSAGING_SERVICE_SID',
      'TWILIO_SEND_RATE',
      'TWILIO_SMS_FROM',
      'TWILIO_WHATSAPP_FROM',
      'TWILIO_WHATSAPP_TEMPLATE_SID',
    ]);
    expect(problems.find((p) => p.variable === 'TWILIO_SMS_FROM')!.message).toContain('"5550000002"');
  });

  it('reads TWILIO_SEND_RATE as messages per second per sender', () => {
    const { settings } = settingsOf({ ...complete, TWILIO_SEND_RATE: '0.5' });
    expect(settings.enabled && settings.config.sendsPerSecond).toBe(0.5);
  });
});
