import type { ProviderError } from '@byot/providers';

export interface RetrySettings {
  /** First backoff step; doubles per attempt, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Do not start an attempt with less than this left before the OTP expires. */
  minUsefulLifetimeMs: number;
  /** A hard cap, though the OTP's expiry usually ends the chain first. */
  maxAttempts: number;
}

export const DEFAULT_RETRY_SETTINGS: RetrySettings = {
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  minUsefulLifetimeMs: 5_000,
  maxAttempts: 12,
};

export type RetryDecision =
  | { action: 'retry'; delayMs: number }
  | { action: 'stop'; reason: string; state: 'failed' | 'expired' };

/** What a retry is decided with, besides the failure: a provider's hint, and (for tests) the clock and dice. */
export interface RetryHints {
  /** The longest a throttling provider asked us to wait (Retry-After): the next run comes no sooner. */
  retryAfterMs?: number;
  now?: number;
  random?: () => number;
}

/**
 * What to do after a run in which no provider took the code. Only the failure's kind matters (see @byot/providers
 * errors.ts), and nothing is ever scheduled past the point where the code would arrive too late to use. The wait
 * is the provider's when one asked for it (a hint from the run, else the throttle's own Retry-After), otherwise
 * an exponential backoff with jitter.
 */
export function decideRetry(
  failure: ProviderError,
  attempt: number,
  otpExpiresAt: number,
  settings: RetrySettings,
  hints: RetryHints = {},
): RetryDecision {
  const now = hints.now ?? Date.now();
  if (failure.kind === 'destination-permanent' || failure.kind === 'bad-request') {
    return { action: 'stop', reason: failure.message, state: 'failed' };
  }
  if (attempt >= settings.maxAttempts) {
    return {
      action: 'stop',
      reason: `gave up after ${attempt} attempts: ${failure.message}`,
      state: 'failed',
    };
  }
  const backoff = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(backoff / 2 + (hints.random ?? Math.random)() * (backoff / 2));
  const delayMs =
    hints.retryAfterMs ?? (failure.kind === 'rate-limited' ? failure.retryAfterMs : undefined) ?? jittered;
  if (now + delayMs + settings.minUsefulLifetimeMs > otpExpiresAt) {
    return {
      action: 'stop',
      reason: `code would expire before the next attempt: ${failure.message}`,
      state: 'expired',
    };
  }
  return { action: 'retry', delayMs };
}
