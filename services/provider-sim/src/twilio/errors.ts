import type { Response } from 'express';

/** A Twilio REST error as it goes on the wire. */
export interface TwilioError {
  status: number;
  code: number;
  message: string;
  /** Twilio adds a `detail` to some errors (e.g. 20003); the SDK ignores it but humans read it. */
  detail?: string;
  headers?: Readonly<Record<string, string>>;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; error: TwilioError };

/**
 * HTTP 400 with Twilio's generic "Bad Request" code, for invalid parameters whose specific Twilio code the
 * simulator does not know (the message names the parameter, which is what matters to the reader).
 */
export const GENERIC_BAD_REQUEST = 400;

export function badRequest(code: number, message: string): TwilioError {
  return { status: 400, code, message };
}

export function authenticateError(detail: string): TwilioError {
  return {
    status: 401,
    code: 20003,
    message: 'Authenticate',
    detail,
    headers: { 'WWW-Authenticate': 'Basic realm="Twilio API"' },
  };
}

export function notFoundError(path: string): TwilioError {
  return { status: 404, code: 20404, message: `The requested resource ${path} was not found` };
}

export function tooManyRequestsError(retryAfterSeconds: number): TwilioError {
  return {
    status: 429,
    code: 20429,
    message: 'Too Many Requests',
    headers: { 'Retry-After': String(retryAfterSeconds) },
  };
}

/** Twilio's codes for the statuses an injected error is most often given; others reuse the generic ones. */
const CODE_FOR_STATUS: ReadonlyMap<number, { code: number; message: string }> = new Map([
  [400, { code: GENERIC_BAD_REQUEST, message: 'Bad Request' }],
  [401, { code: 20003, message: 'Authenticate' }],
  [403, { code: 20403, message: 'Forbidden' }],
  [404, { code: 20404, message: 'Not Found' }],
  [429, { code: 20429, message: 'Too Many Requests' }],
  [500, { code: 20500, message: 'Internal Server Error' }],
  [503, { code: 20503, message: 'Service Unavailable' }],
]);

export function injectedError(status: number, code: number | undefined): TwilioError {
  const known = CODE_FOR_STATUS.get(status);
  const fallback =
    status >= 500 ? { code: 20500, message: 'Internal Server Error' } : { code: status, message: 'Error' };
  const chosen = known ?? fallback;
  return { status, code: code ?? chosen.code, message: `${chosen.message} (injected by provider-sim)` };
}

export function twilioErrorBody(error: TwilioError): Record<string, unknown> {
  return {
    code: error.code,
    message: error.message,
    more_info: `https://www.twilio.com/docs/errors/${error.code}`,
    status: error.status,
    ...(error.detail === undefined ? {} : { detail: error.detail }),
  };
}

export function sendTwilioError(res: Response, error: TwilioError): void {
  if (error.headers) res.set(error.headers);
  res.status(error.status).json(twilioErrorBody(error));
}
