import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oktaSampleRequest } from '@byot/testkit';
import { type AcceptedHook, type HookRejection, isRejection, parseHook } from './parse-hook.ts';

const settings = { defaultRegion: 'US', minLifetimeMs: 5_000 };
const now = Date.parse('2026-11-29T10:00:00.000Z');

function hook(profile: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    eventId: 'uS5871kJThSsU8qlA1LTcg',
    eventTime: '2026-11-29T10:00:00.000Z',
    eventType: 'com.okta.telephony.provider',
    eventTypeVersion: '1.0',
    contentType: 'application/json',
    cloudEventVersion: '0.1',
    source: 'https://example.okta.com/api/v1/inlineHooks/cal123',
    requestType: 'com.okta.user.telephony.mfa-verification',
    data: {
      context: {
        request: { id: 'req1', method: 'POST', url: { value: '/idp/idx/challenge' }, ipAddress: '10.0.0.1' },
      },
      userProfile: { firstName: 'Ada', lastName: 'L', login: 'ada@example.com', userId: '00u1' },
      messageProfile: {
        msgTemplate: 'Your code is 482913',
        phoneNumber: '+14155550123',
        otpExpires: '2026-11-29T10:05:00.000Z',
        deliveryChannel: 'SMS',
        otpCode: '482913',
        locale: 'EN-US',
        ...profile,
      },
    },
    ...top,
  };
}

function accepted(result: AcceptedHook | HookRejection): AcceptedHook {
  assert.ok(!isRejection(result), `expected acceptance, got ${JSON.stringify(result)}`);
  return result;
}
function rejected(result: AcceptedHook | HookRejection): HookRejection {
  assert.ok(isRejection(result), 'expected a rejection');
  return result;
}

describe('parseHook', () => {
  it("accepts Okta's published sample, reading its bare national number in the default region", () => {
    const sample = oktaSampleRequest();
    sample.data.messageProfile.otpExpires = '2026-11-29T10:05:00.000Z';
    const result = accepted(parseHook(sample, { ...settings, defaultRegion: 'IN' }, now));
    assert.equal(result.phoneE164, '+919876543210');
    assert.equal(result.preview, true);
    assert.equal(result.requestType, 'com.okta.user.telephony.pre-enrollment');
    assert.equal(result.channel, 'sms');
  });

  it('carries what the fraud controls need: the number type, the country and Okta’s user id', () => {
    const result = accepted(parseHook(hook({ phoneNumber: '+448712345678' }), settings, now));
    assert.equal(result.phoneType, 'PREMIUM_RATE');
    assert.equal(result.phoneCountry, 'GB');
    assert.equal(result.userId, '00u1');
  });

  it('handles all four request types', () => {
    for (const requestType of [
      'com.okta.user.telephony.pre-enrollment',
      'com.okta.user.telephony.mfa-verification',
      'com.okta.user.telephony.account-unlock',
      'com.okta.user.telephony.password-reset',
    ]) {
      assert.equal(accepted(parseHook(hook({}, { requestType }), settings, now)).requestType, requestType);
    }
  });

  it('matches every documented spelling of the channel, case-insensitively', () => {
    for (const [spelling, channel] of [
      ['SMS', 'sms'],
      ['sms', 'sms'],
      ['CALL', 'voice'],
      ['voice call', 'voice'],
      ['Voice', 'voice'],
    ] as const) {
      assert.equal(accepted(parseHook(hook({ deliveryChannel: spelling }), settings, now)).channel, channel);
    }
    const r = rejected(parseHook(hook({ deliveryChannel: 'carrier pigeon' }), settings, now));
    assert.equal(r.answer, 'error');
    assert.equal(r.reason, 'unsupported-channel');
  });

  it('normalises national numbers to E.164 in the default region, and masks them', () => {
    const r = accepted(parseHook(hook({ phoneNumber: '(415) 555-0123' }), settings, now));
    assert.equal(r.phoneE164, '+14155550123');
    assert.equal(r.phoneMasked, '+1••••••••23');
    assert.equal(
      accepted(parseHook(hook({ phoneNumber: '020 7946 0958' }), { ...settings, defaultRegion: 'GB' }, now))
        .phoneE164,
      '+442079460958',
    );
  });

  it('answers FAILED for numbers that cannot exist, without echoing them', () => {
    const r = rejected(parseHook(hook({ phoneNumber: '12' }), settings, now));
    assert.equal(r.answer, 'failed');
    assert.match(r.reason, /^phone-/);
    assert.ok(!JSON.stringify(r).includes('"12"'));
    assert.equal(rejected(parseHook(hook({ phoneNumber: 'call me maybe' }), settings, now)).answer, 'failed');
  });

  it('answers FAILED for an expired code and one expiring too soon', () => {
    assert.equal(
      rejected(parseHook(hook({ otpExpires: '2026-11-29T09:59:59.000Z' }), settings, now)).reason,
      'otp-expired',
    );
    assert.equal(
      rejected(parseHook(hook({ otpExpires: '2026-11-29T10:00:03.000Z' }), settings, now)).reason,
      'otp-expired',
    );
  });

  it('refuses malformed requests with the failing paths and never the values', () => {
    const r = rejected(
      parseHook(hook({ otpCode: 'abc-secret' }, { eventType: 'something.else' }), settings, now),
    );
    assert.equal(r.answer, 'error');
    const locations = r.causes?.map((c) => c.location) ?? [];
    assert.ok(locations.includes('data.messageProfile.otpCode'));
    assert.ok(locations.includes('eventType'));
    assert.ok(!JSON.stringify(r).includes('abc-secret'));
    assert.equal(rejected(parseHook('not an object', settings, now)).reason, 'invalid-request');
    assert.equal(
      rejected(parseHook(hook({}, { eventId: 'has:colon' }), settings, now)).reason,
      'invalid-request',
    );
    assert.equal(
      rejected(parseHook(hook({}, { requestType: 'com.okta.user.telephony.unknown' }), settings, now)).answer,
      'error',
    );
  });

  it('ignores fields Okta may add later', () => {
    const r = accepted(parseHook(hook({ newField: 1 }, { somethingNew: { a: 1 } }), settings, now));
    assert.equal(r.eventId, 'uS5871kJThSsU8qlA1LTcg');
  });
});
