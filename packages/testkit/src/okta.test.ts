import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_ID_PATTERN, type OktaTelephonyRequest, oktaTelephonyRequestSchema } from '@byot/contracts';
import { basicAuthHeader, oktaHookRequest, randomEventId, randomOtp } from './okta.ts';

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

test('oktaHookRequest builds a request our contract accepts, shaped like Okta sample', () => {
  const request = oktaHookRequest();
  const typed: OktaTelephonyRequest = request; // compile-time: assignable to the contract type
  assert.deepEqual(oktaTelephonyRequestSchema.parse(typed), request);
  assert.equal(request.eventType, 'com.okta.telephony.provider');
  assert.equal(request.cloudEventVersion, '0.1');
  assert.match(request.eventTime, ISO_UTC_MS);
  assert.match(request.data.messageProfile.otpExpires, ISO_UTC_MS);
  assert.match(request.data.messageProfile.otpCode, /^\d{6}$/);
  assert.equal(
    request.data.messageProfile.msgTemplate,
    `Your code is ${request.data.messageProfile.otpCode}`,
  );
  assert.equal(
    Date.parse(request.data.messageProfile.otpExpires) - Date.parse(request.eventTime),
    5 * 60_000,
  );
  assert.ok(!request.data.context.request.url.value.endsWith('/generatePreview'));
});

test('oktaHookRequest applies overrides', () => {
  const now = Date.parse('2022-01-28T21:43:40.000Z');
  const request = oktaHookRequest({
    eventId: 'uS5871kJThSsU8qlA1LTcg',
    phoneNumber: '9876543210',
    deliveryChannel: 'voice call',
    otpCode: '11111',
    msgTemplate: '(HOOK)Your code is 11111',
    expiresInMs: 294_321,
    requestType: 'com.okta.user.telephony.pre-enrollment',
    locale: 'en',
    login: 'someone@example.org',
    now,
    preview: true,
  });
  assert.equal(request.eventId, 'uS5871kJThSsU8qlA1LTcg');
  assert.equal(request.eventTime, '2022-01-28T21:43:40.000Z');
  assert.deepEqual(request.data.messageProfile, {
    msgTemplate: '(HOOK)Your code is 11111',
    phoneNumber: '9876543210',
    otpExpires: '2022-01-28T21:48:34.321Z',
    deliveryChannel: 'voice call',
    otpCode: '11111',
    locale: 'en',
  });
  assert.equal(request.requestType, 'com.okta.user.telephony.pre-enrollment');
  assert.equal(request.data.userProfile.login, 'someone@example.org');
  assert.ok(request.data.context.request.url.value.endsWith('/generatePreview'));
  oktaTelephonyRequestSchema.parse(request);
});

test('each request gets a fresh eventId: 22 base62 characters, usable as a BullMQ job id', () => {
  const ids = new Set(Array.from({ length: 500 }, () => randomEventId()));
  assert.equal(ids.size, 500);
  for (const id of ids) {
    assert.match(id, /^[A-Za-z0-9]{22}$/);
    assert.match(id, EVENT_ID_PATTERN);
    assert.doesNotMatch(id, /^\d+$/);
  }
  assert.notEqual(oktaHookRequest().eventId, oktaHookRequest().eventId);
});

test('randomOtp gives digit strings of the asked length', () => {
  assert.match(randomOtp(), /^\d{6}$/);
  assert.match(randomOtp(8), /^\d{8}$/);
  assert.throws(() => randomOtp(0), RangeError);
});

test('basicAuthHeader encodes user:pass', () => {
  assert.equal(basicAuthHeader('okta', 's3cret:x'), `Basic ${btoa('okta:s3cret:x')}`);
});
