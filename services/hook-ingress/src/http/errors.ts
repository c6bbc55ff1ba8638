import { oktaError } from '@byot/contracts';
import type { Logger } from '@byot/observability';
import type { NextFunction, Request, Response } from 'express';

interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
}

/**
 * Body-parser failures and anything unexpected, answered in Okta's error shape with a specific summary.
 * The request body is never echoed.
 */
export function errorHandler(log: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const answer = requestErrorAnswer(log, error, req.path);
    if (res.headersSent) return;
    res.status(answer.status).json(answer.body);
  };
}

/** The answer (and the log line) of a request that failed before or outside its route: errorHandler's, shared. */
export function requestErrorAnswer(
  log: Logger,
  error: unknown,
  path: string,
): { status: number; body: unknown } {
  const e = (error ?? {}) as HttpError;
  const status = e.status ?? e.statusCode ?? 500;
  const summary =
    e.type === 'entity.too.large'
      ? 'Request body is larger than this hook accepts'
      : e.type === 'entity.parse.failed'
        ? 'Request body is not valid JSON'
        : e.type === 'encoding.unsupported' || e.type === 'charset.unsupported'
          ? 'Request body encoding is not supported'
          : status < 500
            ? 'Bad request'
            : 'Internal error';
  if (status >= 500) log.error({ err: error, path }, 'request failed');
  else log.warn({ type: e.type, status, path }, `request refused: ${summary}`);
  return { status, body: oktaError(summary, [{ errorSummary: summary, reason: e.type ?? 'error' }]) };
}
