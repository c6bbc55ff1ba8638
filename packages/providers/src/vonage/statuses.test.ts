import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  normaliseVonageSmsStatus,
  normaliseVonageVoiceStatus,
  vonageReceiptFailureMeaning,
} from './statuses.ts';

describe('Vonage status normalisation', () => {
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

  it('failure receipts: err-code 3/4/9 say the number is bad, filtering (6) is worth another route', () => {
    for (const code of ['3', '4', '9'])
      assert.deepEqual(vonageReceiptFailureMeaning('sms', code), { numberBad: true, suggestsVoice: false });
    assert.deepEqual(vonageReceiptFailureMeaning('sms', '6'), { numberBad: false, suggestsVoice: false });
  });
});
