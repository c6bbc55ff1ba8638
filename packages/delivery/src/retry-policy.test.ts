import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError, type ProviderErrorKind } from '@byot/providers';
import { DEFAULT_RETRY_SETTINGS, decideRetry } from './retry-policy.ts';

const now = 1_000_000;
const error = (kind: ProviderErrorKind, retryAfterMs?: number) =>
  new ProviderError({
    kind,
    provider: 'twilio',
    code: 'x',
    safeMessage: `twilio ${kind}`,
    ...(retryAfterMs ? { retryAfterMs } : {}),
  });

describe('decideRetry', () => {
  it('stops at once for permanent destination errors and bad requests', () => {
    for (const kind of ['destination-permanent', 'bad-request'] as const) {
      assert.deepEqual(decideRetry(error(kind), 1, now + 300_000, DEFAULT_RETRY_SETTINGS, { now }), {
        action: 'stop',
        reason: `twilio ${kind}`,
        state: 'failed',
      });
    }
  });

  it('backs off exponentially with jitter for an unavailable provider', () => {
    const delays = [1, 2, 3, 4].map((attempt) => {
      const d = decideRetry(error('unavailable'), attempt, now + 300_000, DEFAULT_RETRY_SETTINGS, {
        now,
        random: () => 1,
      });
      return d.action === 'retry' ? d.delayMs : -1;
    });
    assert.deepEqual(delays, [250, 500, 1000, 2000]);
    const low = decideRetry(error('unavailable'), 4, now + 300_000, DEFAULT_RETRY_SETTINGS, {
      now,
      random: () => 0,
    });
    assert.deepEqual(low, { action: 'retry', delayMs: 1000 });
  });

  it("honours the provider's Retry-After when throttled", () => {
    assert.deepEqual(
      decideRetry(error('rate-limited', 3_000), 1, now + 300_000, DEFAULT_RETRY_SETTINGS, { now }),
      {
        action: 'retry',
        delayMs: 3_000,
      },
    );
  });

  it('never schedules an attempt that would land too close to expiry', () => {
    const decision = decideRetry(error('rate-limited', 3_000), 1, now + 7_000, DEFAULT_RETRY_SETTINGS, {
      now,
    });
    assert.equal(decision.action, 'stop');
    assert.equal(decision.action === 'stop' && decision.state, 'expired');
  });

  it('gives up after the attempt cap', () => {
    const decision = decideRetry(error('unavailable'), 12, now + 3_000_000, DEFAULT_RETRY_SETTINGS, { now });
    assert.equal(decision.action === 'stop' && decision.state, 'failed');
  });

  it("paces the retry by a throttling provider's hint even when the run ended on an outage", () => {
    assert.deepEqual(
      decideRetry(error('unavailable'), 1, now + 300_000, DEFAULT_RETRY_SETTINGS, {
        now,
        retryAfterMs: 4_000,
      }),
      { action: 'retry', delayMs: 4_000 },
    );
  });
});
