import { type StatusEvent, statusEventSchema } from '@byot/contracts';
import type { Logger } from '@byot/observability';
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

export interface CallbackDeps {
  sink: StatusSink;
  log: Logger;
  /** Body cap for Twilio and Vonage callbacks. */
  maxBodyBytes: number;
  /** Twilio callbacks are served only with both; otherwise they answer 404. */
  twilio?: { authToken: string; publicBaseUrl: string };
  /** Vonage callbacks are always served; without a secret they are accepted unsigned. */
  vonage: { signatureSecret?: string };
  /** SendGrid events are served only with the verification key (Base64 DER); otherwise 404. */
  sendgrid?: { publicKey: string };
  /** Largest accepted difference between a signed timestamp and our clock. Default 5 minutes. */
  maxSkewMs?: number;
  now?: () => number;
}

export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

/** Thrown by normalisers: the callback verified but does not have the shape of a status callback. */
export class MalformedCallback extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MalformedCallback';
  }
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

/** A string field of a parsed body, or undefined (arrays and objects are not strings). */
export function str(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A provider timestamp in epoch ms, or the receipt time when absent or implausible (> 1 day off). */
export function occurredAt(parsedMs: number | undefined, receivedAt: number): number {
  if (parsedMs === undefined || !Number.isFinite(parsedMs)) return receivedAt;
  if (Math.abs(parsedMs - receivedAt) > 86_400_000) return receivedAt;
  return Math.trunc(parsedMs);
}

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
export const STATUS_PATTERN = /^[A-Za-z_-]{1,64}$/;
