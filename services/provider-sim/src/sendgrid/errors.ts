import type { Response } from 'express';

/** One entry of SendGrid's error list: {"errors": [{"message", "field", "help"}]}. */
export interface SendGridErrorEntry {
  message: string;
  field: string | null;
  help: string | null;
}

export interface SendGridError {
  status: number;
  errors: readonly SendGridErrorEntry[];
  headers?: Readonly<Record<string, string>>;
}

const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';

export function fieldError(field: string | null, message: string, anchor?: string): SendGridErrorEntry {
  return { message, field, help: anchor === undefined ? null : `${HELP}#${anchor}` };
}

export function unauthorizedError(): SendGridError {
  return {
    status: 401,
    errors: [fieldError(null, 'The provided authorization grant is invalid, expired, or revoked')],
  };
}

export function badRequestError(errors: readonly SendGridErrorEntry[]): SendGridError {
  return { status: 400, errors };
}

/** SendGrid's rate-limit answer; Retry-After is added by the simulator (SendGrid itself sends X-RateLimit-*). */
export function throttledError(retryAfterSeconds: number, nowMs: number): SendGridError {
  return {
    status: 429,
    errors: [fieldError(null, 'too many requests')],
    headers: {
      'Retry-After': String(retryAfterSeconds),
      'X-RateLimit-Limit': '600',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(Math.ceil(nowMs / 1000) + retryAfterSeconds),
    },
  };
}

export function injectedError(status: number): SendGridError {
  const message =
    status === 503 ? 'Service Unavailable' : status >= 500 ? 'Internal Server Error' : `Error ${status}`;
  return {
    status,
    errors: [fieldError(null, `${message} (injected by provider-sim)`)],
    ...(status === 429 ? { headers: { 'Retry-After': '1' } } : {}),
  };
}

export function sendSendGridError(res: Response, error: SendGridError): void {
  if (error.headers) res.set(error.headers);
  res.status(error.status).json({ errors: error.errors });
}
