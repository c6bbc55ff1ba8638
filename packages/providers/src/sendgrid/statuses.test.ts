import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseSendGridEvent } from './statuses.ts';

describe('SendGrid status normalisation', () => {
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
});
