import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  normaliseTwilioCallStatus,
  normaliseTwilioMessageStatus,
  twilioReceiptFailureMeaning,
} from './statuses.ts';

describe('Twilio status normalisation', () => {
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

  it('failure receipts: the number is bad (30005 unknown handset, 21610 STOP), a landline (30006) suggests a call', () => {
    assert.deepEqual(twilioReceiptFailureMeaning('sms', '30005'), { numberBad: true, suggestsVoice: false });
    assert.deepEqual(twilioReceiptFailureMeaning('sms', '21610'), { numberBad: true, suggestsVoice: false });
    assert.deepEqual(twilioReceiptFailureMeaning('sms', '30006'), { numberBad: true, suggestsVoice: true });
    assert.deepEqual(twilioReceiptFailureMeaning('sms', '30003'), { numberBad: false, suggestsVoice: false });
    assert.deepEqual(twilioReceiptFailureMeaning('voice', '30005'), {
      numberBad: false,
      suggestsVoice: false,
    });
  });
});
