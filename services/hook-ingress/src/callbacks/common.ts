import { type StatusEvent, statusEventSchema } from '@byot/contracts';
import type { Logger } from '@byot/observability';
import type { CallbackSettings } from '@byot/providers/registry';
import type { NextFunction, Request, Response } from 'express';

/** Where verified, normalised status events go: the status queue (see status-sink.ts). */
export interface StatusSink {
  /** Adds every event or throws StatusSinkUnavailable (nothing is then promised; the provider should retry). */
  enqueue(events: readonly StatusEvent[]): Promise<void>;
}

export class StatusSinkUnavailable extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`status queue unavailable: ${reason}`, options);
    this.name = 'StatusSinkUnavailable';
  }
}

/**
 * What the callback routes run on. Beside the sink and the log: each provider's verification settings, by
 * provider name (see @byot/providers registry: Twilio needs its auth token and the public base URL, SendGrid its
 * verification key, otherwise their routes answer 404; Vonage's only when it is a configured provider, with its
 * signature secret or the explicit unsigned opt-out).
 */
export interface CallbackDeps extends CallbackSettings {
  sink: StatusSink;
  log: Logger;
  /** Body cap of callbacks (an endpoint may have its own, e.g. SendGrid's event batches). */
  maxBodyBytes: number;
  /** Largest accepted difference between a signed timestamp and our clock. Default 5 minutes. */
  maxSkewMs?: number;
  now?: () => number;
}

export function refuse(res: Response, log: Logger, provider: string, reason: string): void {
  log.warn({ provider, reason }, 'status callback refused: verification failed');
  res.status(403).json({ error: 'signature verification failed' });
}

export function malformed(res: Response, log: Logger, provider: string, reason: string): void {
  log.warn({ provider, reason }, 'status callback refused: malformed');
  res.status(400).json({ error: `malformed callback: ${reason}` });
}

export function notConfigured(provider: string) {
  return (_req: Request, res: Response): void => {
    res.status(404).json({ error: `${provider} callbacks are not configured` });
  };
}

/** What a batch callback left out (entries naming no message or status): said once, without the entries. */
export function skipped(log: Logger, provider: string, count: number): void {
  log.warn({ provider, skipped: count }, 'skipped callback entries without a message id or status');
}

/** Validates, enqueues and answers: 204 when the queue took them, 503 (the provider retries) when it could not. */
export async function accept(
  res: Response,
  deps: CallbackDeps,
  provider: string,
  events: readonly StatusEvent[],
): Promise<void> {
  const checked = events.map((e) => statusEventSchema.parse(e));
  if (checked.length > 0) {
    try {
      await deps.sink.enqueue(checked);
    } catch (error) {
      deps.log.warn(
        { provider, reason: error instanceof Error ? error.message : 'unknown' },
        'status callback not taken: status queue unavailable',
      );
      res.status(503).set('Retry-After', '30').json({ error: 'temporarily unavailable, retry later' });
      return;
    }
  }
  for (const e of checked) {
    deps.log.info(
      {
        provider: e.provider,
        channel: e.channel,
        providerMessageId: e.providerMessageId,
        status: e.status,
        rawStatus: e.rawStatus,
        ...(e.errorCode === undefined ? {} : { errorCode: e.errorCode }),
      },
      'status callback accepted',
    );
  }
  res.status(204).end();
}

interface HttpError {
  status?: number;
  statusCode?: number;
  type?: string;
}

/** Body-parser failures on callback routes, answered briefly in JSON; the body is never echoed or logged. */
export function callbackErrorHandler(log: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const e = (error ?? {}) as HttpError;
    const status = e.status ?? e.statusCode ?? 500;
    if (status >= 500) log.error({ err: error, path: req.path }, 'status callback failed');
    else log.warn({ type: e.type, status, path: req.path }, 'status callback refused');
    if (res.headersSent) return;
    const error_ =
      e.type === 'entity.too.large'
        ? 'body too large'
        : e.type === 'entity.parse.failed'
          ? 'malformed body'
          : status < 500
            ? 'bad request'
            : 'internal error';
    res.status(status).json({ error: error_ });
  };
}
