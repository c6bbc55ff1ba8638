import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusJobIdFor } from './queue-catalog.ts';
import { statusEventSchema } from './status.ts';

describe('statusEventSchema', () => {
  const event = {
    version: 1,
    provider: 'twilio',
    channel: 'sms',
    providerMessageId: 'SM0123',
    status: 'delivered',
    rawStatus: 'delivered',
    occurredAt: 1,
    receivedAt: 2,
  };
  it('accepts a minimal event and refuses extra fields (no phone numbers slip in)', () => {
    assert.ok(statusEventSchema.safeParse(event).success);
    assert.ok(statusEventSchema.safeParse({ ...event, errorCode: '30003', sequence: 2 }).success);
    assert.equal(statusEventSchema.safeParse({ ...event, to: '+14155550123' }).success, false);
    assert.equal(statusEventSchema.safeParse({ ...event, status: 'gone' }).success, false);
  });
});

describe('statusJobIdFor', () => {
  it('is stable, tells statuses and sequences apart, and never contains ":"', () => {
    const base = {
      provider: 'twilio',
      channel: 'voice',
      providerMessageId: 'CA1',
      rawStatus: 'ringing',
    } as const;
    assert.equal(statusJobIdFor(base), statusJobIdFor({ ...base }));
    assert.notEqual(statusJobIdFor(base), statusJobIdFor({ ...base, rawStatus: 'completed' }));
    assert.notEqual(statusJobIdFor({ ...base, sequence: 1 }), statusJobIdFor({ ...base, sequence: 2 }));
    const odd = statusJobIdFor({ ...base, providerMessageId: 'a:b.c/d' });
    assert.ok(!odd.includes(':'));
    assert.notEqual(odd, statusJobIdFor({ ...base, providerMessageId: 'a:b.c/e' }));
  });
});
