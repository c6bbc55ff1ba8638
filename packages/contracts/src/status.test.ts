import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NORMALISED_STATUSES,
  normaliseSendGridEvent,
  normaliseTwilioCallStatus,
  normaliseTwilioMessageStatus,
  normaliseVonageSmsStatus,
  normaliseVonageVoiceStatus,
  statusEventSchema,
  statusJobIdFor,
} from './status.ts';

describe('status normalisation', () => {
  it('Twilio messages', () => {
    const cases: [string, string][] = [
      ['accepted', 'queued'],
      ['queued', 'queued'],
      ['sending', 'queued'],
      ['sent', 'sent'],
      ['delivered', 'delivered'],
      ['read', 'delivered'],
      ['undelivered', 'undelivered'],
      ['failed', 'failed'],
      ['canceled', 'canceled'],
      ['Delivered', 'delivered'],
      ['partially_delivered', 'unknown'],
      ['receiving', 'unknown'],
      ['', 'unknown'],
    ];
    for (const [raw, want] of cases) assert.equal(normaliseTwilioMessageStatus(raw), want, raw);
  });

  it('Twilio calls', () => {
    const cases: [string, string][] = [
      ['queued', 'queued'],
      ['initiated', 'queued'],
      ['ringing', 'ringing'],
      ['in-progress', 'answered'],
      ['completed', 'completed'],
      ['busy', 'busy'],
      ['no-answer', 'no-answer'],
      ['failed', 'failed'],
      ['canceled', 'canceled'],
      ['something-new', 'unknown'],
    ];
    for (const [raw, want] of cases) assert.equal(normaliseTwilioCallStatus(raw), want, raw);
  });

  it('Vonage SMS receipts and voice events', () => {
    const sms: [string, string][] = [
      ['accepted', 'sent'],
      ['buffered', 'sent'],
      ['delivered', 'delivered'],
      ['expired', 'expired'],
      ['failed', 'failed'],
      ['rejected', 'rejected'],
      ['unknown', 'unknown'],
      ['deleted', 'unknown'],
    ];
    for (const [raw, want] of sms) assert.equal(normaliseVonageSmsStatus(raw), want, raw);
    const voice: [string, string][] = [
      ['started', 'queued'],
      ['ringing', 'ringing'],
      ['answered', 'answered'],
      ['machine', 'answered'],
      ['completed', 'completed'],
      ['busy', 'busy'],
      ['cancelled', 'canceled'],
      ['failed', 'failed'],
      ['rejected', 'rejected'],
      ['timeout', 'no-answer'],
      ['unanswered', 'no-answer'],
      ['input', 'unknown'],
    ];
    for (const [raw, want] of voice) assert.equal(normaliseVonageVoiceStatus(raw), want, raw);
  });

  it('SendGrid events', () => {
    const cases: [string, string][] = [
      ['processed', 'queued'],
      ['deferred', 'queued'],
      ['delivered', 'delivered'],
      ['open', 'delivered'],
      ['bounce', 'undelivered'],
      ['dropped', 'failed'],
      ['spamreport', 'unknown'],
      ['constructor', 'unknown'],
    ];
    for (const [raw, want] of cases) assert.equal(normaliseSendGridEvent(raw), want, raw);
  });

  it('every table maps into the normalised vocabulary', () => {
    for (const fn of [
      normaliseTwilioMessageStatus,
      normaliseTwilioCallStatus,
      normaliseVonageSmsStatus,
      normaliseVonageVoiceStatus,
      normaliseSendGridEvent,
    ]) {
      for (const raw of ['delivered', 'failed', 'busy', 'toString', '__proto__'])
        assert.ok((NORMALISED_STATUSES as readonly string[]).includes(fn(raw)));
    }
  });
});

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
