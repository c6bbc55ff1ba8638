import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDeliveryChannel } from './channel.ts';
import { deliveryIdFor } from './jobs.ts';
import { oktaCommands, oktaError } from './okta-hook.ts';
import { outcomeToOktaResult } from './outcome.ts';
import { maskPhoneNumber, normalisePhoneNumber } from './phone.ts';
import { jobIdFor, QUEUE_CATALOG, SEND_JOB_IDS, sendWorkerSettings } from './queue-catalog.ts';

describe('parseDeliveryChannel', () => {
  it('accepts every documented spelling and refuses the rest', () => {
    assert.equal(parseDeliveryChannel('SMS'), 'sms');
    assert.equal(parseDeliveryChannel(' sms '), 'sms');
    for (const voice of ['CALL', 'call', 'voice call', 'Voice', 'VOICE_CALL'])
      assert.equal(parseDeliveryChannel(voice), 'voice');
    for (const other of ['email', 'push', 'smss', '']) assert.equal(parseDeliveryChannel(other), undefined);
  });
});

describe('normalisePhoneNumber', () => {
  it('reads international and national forms', () => {
    assert.deepEqual(normalisePhoneNumber('+1 (415) 555-0123', 'GB'), {
      ok: true,
      e164: '+14155550123',
      country: 'US',
      valid: true,
      type: 'FIXED_LINE_OR_MOBILE',
      masked: '+1••••••••23',
    });
    const india = normalisePhoneNumber('9876543210', 'IN');
    assert.equal(india.ok && india.e164, '+919876543210');
    assert.equal(
      india.ok && india.masked,
      maskPhoneNumber('+919876543210'),
      'the same mask as maskPhoneNumber',
    );
    const us = normalisePhoneNumber('9876543210', 'US');
    // Possible (10 digits) but not an assigned US range: still sent, flagged.
    assert.equal(us.ok && us.e164, '+19876543210');
    assert.equal(us.ok && us.valid, false);
    assert.equal(us.ok && us.type, undefined, 'no type for a range the metadata does not know');
  });

  it('names the number type from the full metadata (what the fraud controls block by)', () => {
    const typeOf = (raw: string) => {
      const parsed = normalisePhoneNumber(raw, 'US');
      return parsed.ok ? parsed.type : 'unparsed';
    };
    assert.equal(typeOf('+447400123456'), 'MOBILE');
    assert.equal(typeOf('+448712345678'), 'PREMIUM_RATE');
    assert.equal(typeOf('+19005550123'), 'PREMIUM_RATE');
    assert.equal(typeOf('+15005550006'), 'PERSONAL_NUMBER');
    assert.equal(typeOf('+35315123456'), 'FIXED_LINE');
  });

  it('refuses what cannot be a number', () => {
    assert.deepEqual(normalisePhoneNumber('hello', 'US'), { ok: false, reason: 'unparseable' });
    assert.equal(normalisePhoneNumber('+1 415', 'US').ok, false);
    assert.equal(normalisePhoneNumber('123', 'US').ok, false);
  });

  it('masks all but the country code and the last two digits', () => {
    assert.equal(maskPhoneNumber('+14155550123'), '+1••••••••23');
    assert.equal(maskPhoneNumber('+442079460958'), '+44••••••••58');
    assert.ok(!maskPhoneNumber('+919876543210').includes('98765'));
  });
});

describe('Okta answers', () => {
  it('maps outcomes to Okta statuses', () => {
    assert.deepEqual(outcomeToOktaResult(undefined, 'byot-e1', 2000), {
      status: 'PENDING',
      transactionId: 'byot-e1',
      transactionMetadata: 'queued; waited=2000ms',
    });
    const ok = outcomeToOktaResult(
      { kind: 'accepted', eventId: 'e1', provider: 'vonage', providerMessageId: 'abc', at: 0 },
      'byot-e1',
      12,
    );
    assert.equal(ok?.status, 'SUCCESSFUL');
    assert.equal(ok?.provider, 'VONAGE');
    assert.equal(ok?.transactionId, 'abc');
    const failed = outcomeToOktaResult(
      { kind: 'failed', eventId: 'e1', reason: 'twilio 21211', at: 0 },
      'byot-e1',
      5,
    );
    assert.deepEqual(failed, {
      status: 'FAILED',
      transactionId: 'byot-e1',
      transactionMetadata: 'twilio 21211',
    });
    assert.equal(
      outcomeToOktaResult({ kind: 'fallback', eventId: 'e1', reason: 'x', at: 0 }, 'byot-e1', 5),
      undefined,
    );
  });

  it('builds the documented command and error shapes', () => {
    assert.deepEqual(oktaCommands({ status: 'PENDING' }), {
      commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'PENDING' }] }],
    });
    assert.deepEqual(oktaError('nope'), { error: { errorSummary: 'nope' } });
  });

  it('derives stable ids that BullMQ accepts (no colon, never all digits)', () => {
    assert.equal(deliveryIdFor('123456'), 'byot-123456');
    assert.equal(jobIdFor('123456'), 'evt-123456');
  });
});

describe('the queue catalog', () => {
  it('keeps the queue names and job ids every release has used (jobs in Redis outlive a deploy)', () => {
    assert.deepEqual(
      Object.values(QUEUE_CATALOG).map((q) => q.name),
      ['sms-send', 'voice-send', 'status-events'],
    );
    assert.equal(SEND_JOB_IDS.firstSend('e1'), 'evt-e1');
    assert.equal(SEND_JOB_IDS.voiceEscalation('e1'), 'evt-e1-voice');
    assert.equal(SEND_JOB_IDS.receiptResend('e1', 2), 'evt-e1-rr2');
    const event = {
      version: 1,
      provider: 'twilio',
      channel: 'sms',
      providerMessageId: 'SM1',
      status: 'delivered',
      rawStatus: 'delivered',
      occurredAt: 1,
      receivedAt: 1,
    } as const;
    assert.equal(QUEUE_CATALOG.status.jobs.receipt.name(event), 'twilio.sms');
    assert.equal(QUEUE_CATALOG.status.jobs.deadline.name, 'receipt-deadline');
    for (const queue of Object.values(QUEUE_CATALOG)) assert.ok(!queue.name.includes(':'));
  });

  it('derives the attempt-staleness bound from the lock: timeout < bound < lock for every PROVIDER_TIMEOUT_MS', () => {
    // The range @byot/config accepts (200 ms – 30 s), and beyond it.
    for (let timeout = 200; timeout <= 60_000; timeout += 100) {
      const settings = sendWorkerSettings(timeout);
      assert.ok(
        settings.attemptStaleAfterMs > timeout,
        `timeout ${timeout}: bound ${settings.attemptStaleAfterMs}`,
      );
      assert.ok(settings.attemptStaleAfterMs < settings.lockDurationMs, `timeout ${timeout}`);
    }
    // The defaults are what they were: a 15 s lock, a 10 s bound.
    assert.deepEqual(sendWorkerSettings(5_000), {
      lockDurationMs: 15_000,
      stalledIntervalMs: 5_000,
      maxStalledCount: 3,
      attemptStaleAfterMs: 10_000,
    });
    // Where the old fixed bound (timeout + 5 s against a 15 s lock) broke: a 20 s timeout gets a 30 s lock.
    assert.equal(sendWorkerSettings(20_000).lockDurationMs, 30_000);
    assert.equal(QUEUE_CATALOG.sms.worker({ providerTimeoutMs: 20_000 }).lockDurationMs, 30_000);
  });
});
