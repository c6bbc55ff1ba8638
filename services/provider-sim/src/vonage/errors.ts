import { randomUUID } from 'node:crypto';
import type { Response } from 'express';

/**
 * Vonage SMS API status codes (the `status` of each message in an always-HTTP-200 answer), with the
 * error-text Vonage sends. "0" is success.
 */
export const SMS_STATUS = {
  throttled: { code: 1, text: 'Throughput Rate Exceeded - please wait [ 1000 ] and retry' },
  missingParams: { code: 2, text: 'Missing params' },
  invalidParams: { code: 3, text: 'Invalid params' },
  invalidCredentials: { code: 4, text: 'Bad Credentials' },
  internalError: { code: 5, text: 'Internal Error' },
  invalidMessage: { code: 6, text: 'Unroutable message - rejected' },
  numberBarred: { code: 7, text: 'Number barred.' },
  partnerAccountBarred: { code: 8, text: 'Partner account barred.' },
  partnerQuotaViolation: { code: 9, text: 'Partner quota exceeded.' },
  messageTooLong: { code: 12, text: 'Message too long' },
  invalidSender: { code: 15, text: 'Illegal Sender Address - rejected' },
  invalidCallback: { code: 23, text: 'Invalid Callback Url' },
  nonWhitelisted: { code: 29, text: 'Non White-listed Destination - rejected' },
  numberDeactivated: { code: 33, text: 'Number de-activated.' },
} as const;

/** The error-text for a status code, for injected errors that name a code (errorCode) without a text. */
export function smsStatusText(code: number): string {
  for (const entry of Object.values(SMS_STATUS)) if (entry.code === code) return entry.text;
  return `Error ${code}`;
}

/** One refused SMS request, as the SMS API reports it: HTTP 200, a message with a non-zero status. */
export interface SmsRefusal {
  status: number;
  text: string;
}

export function smsRefusal(entry: { code: number; text: string }, detail?: string): SmsRefusal {
  return { status: entry.code, text: detail === undefined ? entry.text : `${entry.text}: ${detail}` };
}

export function smsErrorBody(refusal: SmsRefusal): Record<string, unknown> {
  return {
    'message-count': '1',
    messages: [{ status: String(refusal.status), 'error-text': refusal.text }],
  };
}

/**
 * A Voice API error, in Vonage's problem-details shape:
 * {"type": "https://developer.nexmo.com/api-errors#…", "title", "detail", "instance", "invalid_parameters"?}.
 */
export interface VoiceProblem {
  status: number;
  type: string;
  title: string;
  detail: string;
  invalidParameters?: readonly { name: string; reason: string }[];
  headers?: Readonly<Record<string, string>>;
}

const ERRORS_DOC = 'https://developer.nexmo.com/api-errors';

export function unauthorizedProblem(detail = 'You did not provide correct credentials.'): VoiceProblem {
  return { status: 401, type: `${ERRORS_DOC}#unauthorized`, title: 'Unauthorized', detail };
}

export function forbiddenProblem(detail: string): VoiceProblem {
  return { status: 403, type: `${ERRORS_DOC}#forbidden`, title: 'Forbidden', detail };
}

export function validationProblem(invalid: readonly { name: string; reason: string }[]): VoiceProblem {
  return {
    status: 400,
    type: `${ERRORS_DOC}/voice#validation`,
    title: 'Bad Request',
    detail: invalid.map((p) => `${p.name}: ${p.reason}`).join('; '),
    invalidParameters: invalid,
  };
}

export function throttledProblem(retryAfterSeconds: number): VoiceProblem {
  return {
    status: 429,
    type: `${ERRORS_DOC}#throttled`,
    title: 'Too Many Requests',
    detail: 'You have exceeded the rate limit for this API (injected by provider-sim).',
    headers: { 'Retry-After': String(retryAfterSeconds) },
  };
}

export function injectedProblem(status: number): VoiceProblem {
  const title =
    status >= 500 ? (status === 503 ? 'Service Unavailable' : 'Internal Error') : `Error ${status}`;
  return {
    status,
    type: status >= 500 ? `${ERRORS_DOC}#internal-error` : `${ERRORS_DOC}#error`,
    title,
    detail: `${title} (injected by provider-sim)`,
  };
}

export function sendProblem(res: Response, problem: VoiceProblem): void {
  if (problem.headers) res.set(problem.headers);
  res.status(problem.status).json({
    type: problem.type,
    title: problem.title,
    detail: problem.detail,
    instance: randomUUID(),
    ...(problem.invalidParameters ? { invalid_parameters: problem.invalidParameters } : {}),
  });
}
