import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDeliveryChannel } from './channel.ts';
import { deliveryIdFor, jobIdFor } from './jobs.ts';
import { oktaCommands, oktaError } from './okta-hook.ts';
import { outcomeToOktaResult } from './outcome.ts';
import { maskPhoneNumber, normalisePhoneNumber } from './phone.ts';

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
