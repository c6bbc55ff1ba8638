import type { NextFunction, Request, Response } from 'express';
import { randomBase62 } from './ids.ts';

export interface OktaErrorCause {
  errorSummary: string;
}

/**
 * An Okta API error: HTTP status, E0000… code, summary and causes, answered as Okta's error object
 * `{errorCode, errorSummary, errorLink, errorId, errorCauses}` (the SDK's OktaApiError reads exactly these).
 */
export class OktaApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly causes: readonly OktaErrorCause[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    errorCode: string,
    summary: string,
    causes: readonly string[] = [],
    headers: Record<string, string> = {},
  ) {
    super(summary);
    this.name = 'OktaApiError';
    this.status = status;
    this.errorCode = errorCode;
    this.causes = causes.map((errorSummary) => ({ errorSummary }));
    this.headers = headers;
  }
}

/** E0000001, 400: the body failed validation; each cause names the field and what is wrong with it. */
export function validationFailed(field: string, ...causes: string[]): OktaApiError {
  return new OktaApiError(400, 'E0000001', `Api validation failed: ${field}`, causes);
}

/** E0000003, 400. */
export function malformedBody(): OktaApiError {
  return new OktaApiError(400, 'E0000003', 'The request body was not well-formed.');
}

/** E0000007, 404: Okta names the id and the kind of resource. */
export function notFound(kind: string, id: string): OktaApiError {
  return new OktaApiError(404, 'E0000007', `Not found: Resource not found: ${id} (${kind})`);
}

/** E0000011, 401. */
export function invalidToken(): OktaApiError {
  return new OktaApiError(401, 'E0000011', 'Invalid token provided');
}

/** E0000006, 403. */
export function accessDenied(): OktaApiError {
  return new OktaApiError(403, 'E0000006', 'You do not have permission to perform the requested action');
}

/** E0000047, 429, with the rate-limit headers the SDK retries by. */
export function rateLimited(headers: Record<string, string>): OktaApiError {
  return new OktaApiError(
    429,
    'E0000047',
    'API call exceeded rate limit due to too many requests.',
    [],
    headers,
  );
}

export function sendOktaError(res: Response, error: OktaApiError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json({
    errorCode: error.errorCode,
    errorSummary: error.message,
    errorLink: error.errorCode,
    errorId: `oae${randomBase62(22)}`,
    errorCauses: error.causes,
  });
}

/**
 * Express error handler for the Management API: Okta's error objects, never a stack trace. A body that is not
 * JSON (express.json's SyntaxError) is E0000003, as Okta answers it.
 */
export function oktaErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  if (error instanceof OktaApiError) {
    sendOktaError(res, error);
    return;
  }
  const status = (error as { status?: number; type?: string }).status;
  if (status === 400 || (error as { type?: string }).type === 'entity.parse.failed') {
    sendOktaError(res, malformedBody());
    return;
  }
  if (status === 413) {
    sendOktaError(res, new OktaApiError(413, 'E0000001', 'Api validation failed: request body too large'));
    return;
  }
  sendOktaError(res, new OktaApiError(500, 'E0000009', 'Internal Server Error'));
}
