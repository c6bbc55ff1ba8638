import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callbackSettingsSchema, InitialCallbacksSchema, renderSettings } from './callback-config.ts';

function problems(provider: 'twilio' | 'vonage' | 'sendgrid', input: unknown): string {
  const parsed = callbackSettingsSchema(provider).safeParse(input);
  assert.equal(parsed.success, false, JSON.stringify(input));
  return JSON.stringify(parsed.error?.issues);
}

describe('callback settings', () => {
  it('reads the nested form', () => {
    const settings = callbackSettingsSchema('twilio').parse({
      sms: { delivered: 0.8, undelivered: 0.2, errorCode: 30005 },
      voice: { completed: 1, 'no-answer': 1 },
      delayMs: { min: 10, max: 20 },
      duplicateRate: 0.1,
      outOfOrderRate: 0.2,
    });
    assert.deepEqual(settings, {
      mixes: {
        sms: { weights: { delivered: 0.8, undelivered: 0.2 }, errorCode: 30005 },
        voice: { weights: { completed: 1, 'no-answer': 1 } },
      },
      delayMs: { min: 10, max: 20 },
      duplicateRate: 0.1,
      outOfOrderRate: 0.2,
    });
  });

  it('reads the flat shorthand when the keys name one channel', () => {
    const sms = callbackSettingsSchema('twilio').parse({
      delivered: 0.8,
      undelivered: 0.1,
      failed: 0.05,
      none: 0.05,
      errorCode: 30003,
      delayMs: 5,
    });
    assert.deepEqual(sms.mixes, {
      sms: { weights: { delivered: 0.8, undelivered: 0.1, failed: 0.05, none: 0.05 }, errorCode: 30003 },
    });
    const voice = callbackSettingsSchema('twilio').parse({
      completed: 0.5,
      busy: 0.2,
      'no-answer': 0.2,
      failed: 0.1,
    });
    assert.deepEqual(Object.keys(voice.mixes), ['voice']);
    const email = callbackSettingsSchema('sendgrid').parse({
      bounce: 1,
      eventUrl: 'http://127.0.0.1:9/events',
    });
    assert.deepEqual(email.mixes, { email: { weights: { bounce: 1 } } });
    assert.equal(email.eventUrl, 'http://127.0.0.1:9/events');
  });

  it('refuses ambiguous, unknown, empty and misplaced settings, saying why', () => {
    assert.match(problems('twilio', { failed: 1 }), /could be sms or voice outcomes/);
    assert.match(problems('twilio', { delivred: 1 }), /unknown key\(s\) delivred/);
    assert.match(problems('vonage', { sms: { undelivered: 1 } }), /undelivered/);
    assert.match(problems('twilio', { sms: { delivered: 0 } }), /must not all be 0/);
    assert.match(problems('twilio', { sms: { errorCode: 1 } }), /give at least one of/);
    assert.match(problems('twilio', { delivered: 1, sms: { delivered: 1 } }), /either at the top level/);
    assert.match(problems('twilio', { eventUrl: 'http://127.0.0.1/' }), /only SendGrid/);
    assert.match(problems('sendgrid', { eventUrl: 'nope' }), /absolute http/);
    assert.match(problems('twilio', { duplicateRate: 2 }), /duplicateRate/);
    assert.match(problems('twilio', { delayMs: { min: 5, max: 1 } }), /min must not exceed max/);
  });

  it('keys start-up settings by provider and renders them canonically', () => {
    const initial = InitialCallbacksSchema.parse({ vonage: { sms: { failed: 1 } } });
    assert.ok(initial.vonage);
    assert.equal(InitialCallbacksSchema.safeParse({ nexmo: {} }).success, false);
    assert.deepEqual(renderSettings('vonage', initial.vonage), {
      sms: { failed: 1 },
      voice: { completed: 1 },
      delayMs: { min: 100, max: 500 },
      duplicateRate: 0,
      outOfOrderRate: 0,
    });
  });
});
