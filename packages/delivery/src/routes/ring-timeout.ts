/** Twilio's bounds for a call's Timeout (ring seconds). */
const MIN_RING_SECONDS = 1;
const MAX_RING_SECONDS = 600;

/**
 * How long this call may ring: the configured ring timeout, shortened so that a call answered at the last ring
 * still leaves `reserveMs` (MIN_OTP_LIFETIME_MS: the least time worth having to listen and type the code)
 * before the OTP expires. Computed per call, because a retried call starts later in the code's life.
 * The worker does not start an attempt with less than `reserveMs` left, so the result is at least Twilio's
 * minimum of 1 s rather than 0.
 */
export function ringTimeoutSeconds(
  configuredSeconds: number,
  otpExpiresAt: number,
  reserveMs: number,
  now = Date.now(),
): number {
  const usableSeconds = Math.floor((otpExpiresAt - now - reserveMs) / 1000);
  return Math.max(MIN_RING_SECONDS, Math.min(configuredSeconds, usableSeconds, MAX_RING_SECONDS));
}
