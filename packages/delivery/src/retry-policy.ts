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

/**
 * What to do after a failed attempt. Only the error's kind matters (see @byot/providers errors.ts), and nothing
 * is ever scheduled past the point where the code would arrive too late to use.
 */
export function decideRetry(
  error: ProviderError,
  attempt: number,
  otpExpiresAt: number,
  settings: RetrySettings,
  now = Date.now(),
  random = Math.random,
): RetryDecision {
  if (error.kind === 'destination-permanent' || error.kind === 'bad-request') {
    return { action: 'stop', reason: error.message, state: 'failed' };
  }
  if (attempt >= settings.maxAttempts) {
    return { action: 'stop', reason: `gave up after ${attempt} attempts: ${error.message}`, state: 'failed' };
  }
  const backoff = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(backoff / 2 + random() * (backoff / 2));
  const delayMs =
    error.kind === 'rate-limited' && error.retryAfterMs !== undefined ? error.retryAfterMs : jittered;
  if (now + delayMs + settings.minUsefulLifetimeMs > otpExpiresAt) {
    return {
      action: 'stop',
      reason: `code would expire before the next attempt: ${error.message}`,
      state: 'expired',
    };
  }
  return { action: 'retry', delayMs };
}
