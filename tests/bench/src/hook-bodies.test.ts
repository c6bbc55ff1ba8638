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
