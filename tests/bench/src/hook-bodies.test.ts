import assert from 'node:assert/strict';
import { it } from 'node:test';
import { benchPhone, hookBodies } from './hook-bodies.ts';

it('gives every hook body a fresh, valid eventId and keeps the rest of the template', () => {
  const bodies = hookBodies({ phoneNumber: '+12025550177' });
  const a = JSON.parse(bodies.next());
  const b = JSON.parse(bodies.next());
  assert.notEqual(a.eventId, b.eventId);
  assert.match(a.eventId, /^[A-Za-z][A-Za-z0-9_-]{5,127}$/);
  assert.equal(a.data.messageProfile.phoneNumber, '+12025550177');
  assert.equal(a.data.messageProfile.otpCode, b.data.messageProfile.otpCode);
  assert.equal(bodies.count(), 2);
});

it('keeps eventIds apart between runs', () => {
  const first = JSON.parse(hookBodies().next()).eventId;
  const second = JSON.parse(hookBodies().next()).eventId;
  assert.notEqual(first, second);
});

it('gives each phase its own phone number', () => {
  assert.equal(benchPhone(1), '+12025550101');
  assert.notEqual(benchPhone(2), benchPhone(3));
});

it('can speak for many people: a user id and a number of its own per hook, spread over 1 000-blocks', () => {
  const bodies = hookBodies({ people: true, requestType: 'com.okta.user.telephony.pre-enrollment' });
  const hooks = Array.from({ length: 200 }, () => JSON.parse(bodies.next()));
  const phones = hooks.map((h) => h.data.messageProfile.phoneNumber as string);
  assert.equal(new Set(phones).size, 200);
  assert.equal(new Set(phones.map((p) => p.slice(0, -3))).size, 200);
  assert.ok(phones.every((p) => /^\+1\d{10}$/.test(p)));
  assert.equal(new Set(hooks.map((h) => h.data.userProfile.userId)).size, 200);
  assert.ok(hooks.every((h) => h.requestType === 'com.okta.user.telephony.pre-enrollment'));
});
