import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ringTimeoutSeconds } from './ring-timeout.ts';

describe('ringTimeoutSeconds', () => {
  const now = 1_800_000_000_000;
  const reserve = 5_000;

  it('uses the configured ring timeout when the code has time to spare', () => {
    assert.equal(ringTimeoutSeconds(30, now + 300_000, reserve, now), 30);
  });

  it("never rings past the point where the code's remaining life is too short to use", () => {
    // 20 s left, 5 s reserved to listen and type: ring at most 15 s.
    assert.equal(ringTimeoutSeconds(30, now + 20_000, reserve, now), 15);
    assert.equal(ringTimeoutSeconds(30, now + 20_999, reserve, now), 15);
    assert.equal(ringTimeoutSeconds(30, now + 35_000, reserve, now), 30);
  });

  it("stays within Twilio's 1..600 seconds", () => {
    assert.equal(ringTimeoutSeconds(30, now + 5_500, reserve, now), 1);
    assert.equal(ringTimeoutSeconds(30, now - 1_000, reserve, now), 1);
    assert.equal(ringTimeoutSeconds(900, now + 3_600_000, reserve, now), 600);
  });
});
