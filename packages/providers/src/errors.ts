/**
 * The error taxonomy every adapter maps its provider's errors into. The worker decides the next step from the
 * kind alone:
 * - rate-limited: the provider did not process it; wait (Retry-After if given) and retry the same provider.
 * - unavailable: the provider (or our account with it) cannot serve now: 5xx, timeout, connection refused, bad
 *   credentials. Retry later or fail over.
 * - destination-permanent: this number cannot receive this channel (invalid, unsubscribed, landline...). Stop.
 * - bad-request: we sent something wrong. Stop and alert; retrying would fail the same way.
 *
 * `safeMessage` is ours, never the provider's text: providers quote the phone number in their messages.
 */
export const PROVIDER_ERROR_KINDS = [
  'rate-limited',
  'unavailable',
  'destination-permanent',
  'bad-request',
] as const;
export type ProviderErrorKind = (typeof PROVIDER_ERROR_KINDS)[number];

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  /** The provider's error code, e.g. Twilio 21211, or a transport code such as ECONNREFUSED. */
  readonly code: string;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** True when the request may have reached the provider (a timeout): a retry could duplicate the message. */
  readonly mayHaveBeenDelivered: boolean;
  /** A landline or a number that cannot take SMS: the voice channel may still work. */
  readonly suggestsVoice: boolean;

  constructor(init: {
    kind: ProviderErrorKind;
    provider: string;
    code: string;
    safeMessage: string;
    httpStatus?: number;
    retryAfterMs?: number;
    mayHaveBeenDelivered?: boolean;
    suggestsVoice?: boolean;
  }) {
    super(init.safeMessage);
    this.name = 'ProviderError';
    this.kind = init.kind;
    this.provider = init.provider;
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.retryAfterMs = init.retryAfterMs;
    this.mayHaveBeenDelivered = init.mayHaveBeenDelivered ?? false;
    this.suggestsVoice = init.suggestsVoice ?? false;
  }
}

const TRANSPORT_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  // undici (the Twilio client, Node's fetch): the other side closed the socket; no connection within its timeout;
  // the pool was closed or destroyed under the request.
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
const TRANSPORT_TIMEOUT = new Set([
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Maps a network-level failure (no HTTP answer) into the taxonomy, or undefined when it is not one. */
export function classifyTransportError(provider: string, error: unknown): ProviderError | undefined {
  const code = transportCode(error);
  if (!code) return undefined;
  if (TRANSPORT_TIMEOUT.has(code)) {
    return new ProviderError({
      kind: 'unavailable',
      provider,
      code,
      safeMessage: `${provider} did not answer in time`,
      mayHaveBeenDelivered: true,
    });
  }
  if (TRANSPORT_UNAVAILABLE.has(code)) {
    return new ProviderError({
      kind: 'unavailable',
      provider,
      code,
      safeMessage: `${provider} could not be reached (${code})`,
      // A reset after the request was written may have been processed.
      mayHaveBeenDelivered: code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET',
    });
  }
  return undefined;
}

function transportCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * What an HTTP status says when the provider's own error code says nothing more specific: the tail every adapter
 * shares. 429 is a throttle (with Retry-After when the provider gave one); 401/403 and 5xx make the provider
 * unusable for now, so another one is tried; any other 4xx is a request we built wrong. A 5xx other than 503 may
 * come after the provider queued the message (no provider documents otherwise); 503 is a refusal before it.
 */
export function classifyHttpStatus(
  provider: string,
  status: number,
  detail: { code?: string; retryAfterMs?: number | undefined } = {},
): ProviderError {
  const base = { provider, code: detail.code ?? String(status), httpStatus: status };
  if (status === 429) {
    return new ProviderError({
      ...base,
      kind: 'rate-limited',
      safeMessage: `${provider} throttled the request (429)`,
      ...(detail.retryAfterMs === undefined ? {} : { retryAfterMs: detail.retryAfterMs }),
    });
  }
  if (status === 401 || status === 403 || status >= 500) {
    return new ProviderError({
      ...base,
      kind: 'unavailable',
      safeMessage: `${provider} answered ${status}`,
      mayHaveBeenDelivered: status >= 500 && status !== 503,
    });
  }
  return new ProviderError({
    ...base,
    kind: 'bad-request',
    safeMessage: `${provider} refused the request: ${status}${detail.code ? ` code ${detail.code}` : ''}`,
  });
}

/** Anything else an SDK throws: the provider counts as unavailable, and the message as possibly sent. */
export function unknownProviderFailure(provider: string, error: unknown): ProviderError {
  return new ProviderError({
    kind: 'unavailable',
    provider,
    code: 'unknown',
    safeMessage: `${provider} call failed: ${error instanceof Error ? error.name : 'unknown error'}`,
    mayHaveBeenDelivered: true,
  });
}

/** Retry-After in ms from a header value (seconds or HTTP date). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
