import {
  classifyHttpStatus,
  classifyTransportError,
  ProviderError,
  unknownProviderFailure,
} from '../errors.ts';

/**
 * What Vonage's errors mean, in the taxonomy of errors.ts (what the send loop does next).
 *
 * The SMS API answers HTTP 200 whatever happens; each message carries a status. Mapped from Vonage's table:
 * throttling and its internal error are worth retrying, account problems make the provider unusable (fail over),
 * a barred or unroutable number will not do better elsewhere.
 */
const SMS_STATUS: Record<string, { kind: ProviderError['kind']; meaning: string }> = {
  '1': { kind: 'rate-limited', meaning: 'throttled' },
  '2': { kind: 'bad-request', meaning: 'missing parameters' },
  '3': { kind: 'bad-request', meaning: 'invalid parameters' },
  '4': { kind: 'unavailable', meaning: 'invalid credentials (check VONAGE_API_KEY / VONAGE_API_SECRET)' },
  '5': { kind: 'unavailable', meaning: 'internal error' },
  '6': { kind: 'destination-permanent', meaning: 'message not routable to this destination' },
  '7': { kind: 'destination-permanent', meaning: 'destination number barred' },
  '8': { kind: 'unavailable', meaning: 'account barred' },
  '9': { kind: 'unavailable', meaning: 'account quota exceeded' },
  '15': { kind: 'unavailable', meaning: 'invalid sender address' },
  '29': { kind: 'unavailable', meaning: 'destination not whitelisted for this demo account' },
  '33': { kind: 'destination-permanent', meaning: 'destination number deactivated' },
};

/** Vonage SMS throttling carries no Retry-After; its documented limit is per second. */
const THROTTLE_DELAY_MS = 1_000;

export function classifyVonageSmsStatus(status: string): ProviderError {
  const known = SMS_STATUS[status];
  return new ProviderError({
    kind: known?.kind ?? 'unavailable',
    provider: 'vonage',
    code: status,
    safeMessage: `vonage status ${status}: ${known?.meaning ?? 'unknown status'}`,
    ...(known?.kind === 'rate-limited' ? { retryAfterMs: THROTTLE_DELAY_MS } : {}),
  });
}

interface VetchLikeError {
  response?: { status?: number; headers?: { get?(name: string): string | null } };
}
interface SmsFailureLike {
  getFailedMessages?: () => { status?: string }[];
}

/** Maps anything the Vonage SDK throws into the taxonomy. The SDK's errors carry the request body: never log them. */
export function classifyVonageError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const failed = (error as SmsFailureLike)?.getFailedMessages?.();
  if (failed?.[0]?.status) return classifyVonageSmsStatus(String(failed[0].status));
  if ((error as Error)?.name === 'AbortError') {
    return new ProviderError({
      kind: 'unavailable',
      provider: 'vonage',
      code: 'ETIMEDOUT',
      safeMessage: 'vonage did not answer in time',
      mayHaveBeenDelivered: true,
    });
  }
  const transport = classifyTransportError('vonage', error);
  if (transport) return transport;
  const response = (error as VetchLikeError)?.response;
  if (typeof response?.status !== 'number') return unknownProviderFailure('vonage', error);
  const retryAfter = Number(response.headers?.get?.('retry-after'));
  return classifyHttpStatus('vonage', response.status, {
    retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
  });
}
