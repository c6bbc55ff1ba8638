import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { FaultController } from '../faults/fault-controller.ts';
import {
  type FaultRenderers,
  playFaults,
  type Refusal,
  type RequestContext,
  refuse,
} from '../faults/fault-gate.ts';
import { clientGone } from '../lib/abortable.ts';
import { parseBearer, secretsEqual } from '../lib/credentials.ts';
import type { Logger } from '../lib/logger.ts';
import { maskAddress } from '../lib/mask.ts';
import type { RecordStore } from '../store/record-store.ts';
import type { AcceptedRecord } from '../store/records.ts';
import {
  badRequestError,
  fieldError,
  injectedError,
  type SendGridError,
  sendSendGridError,
  throttledError,
  unauthorizedError,
} from './errors.ts';
import { validateMailRequest } from './mail-request.ts';

export interface SendGridAccount {
  apiKey: string;
}

export interface SendGridRouterOptions {
  account: SendGridAccount;
  store: RecordStore;
  faults: FaultController;
  logger: Logger;
  shutdown: AbortSignal;
  now?: () => number;
  /** Called with every accepted e-mail (event webhooks start here). */
  onAccepted?: (record: AcceptedRecord) => void;
}

/** SendGrid's X-Message-Id: 22 URL-safe base64 characters. */
export function newMessageId(): string {
  return randomBytes(16).toString('base64url');
}

/** The public part of an API key ("SG.<id>.<secret>" → "<id>"), recorded instead of the key. */
function keyId(apiKey: string): string {
  const parts = apiKey.split('.');
  return parts.length === 3 && parts[1] ? parts[1] : 'api-key';
}

function answer(error: SendGridError): Refusal {
  return {
    httpStatus: error.status,
    errorCode: null,
    errorMessage: error.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '),
    send: (res) => sendSendGridError(res, error),
  };
}

function seenOf(body: unknown): RequestContext['seen'] {
  const mail = (typeof body === 'object' && body !== null ? body : {}) as {
    personalizations?: { to?: { email?: unknown }[] }[];
    from?: { email?: unknown };
  };
  const to = Array.isArray(mail.personalizations) ? mail.personalizations[0]?.to?.[0]?.email : undefined;
  const from = mail.from?.email;
  return { to: typeof to === 'string' ? to : null, from: typeof from === 'string' ? from : null };
}

/**
 * SendGrid's v3 Mail Send API, POST /v3/mail/send: what @sendgrid/mail calls once its client's baseUrl points
 * at the simulator. 202 with an empty body and X-Message-Id; 400/401 with SendGrid's {"errors": [...]}.
 */
export function createSendGridRouter(options: SendGridRouterOptions): Router {
  const { account, store, faults, logger, shutdown } = options;
  const now = options.now ?? Date.now;
  const onAccepted = options.onAccepted ?? (() => {});
  const router = express.Router();

  const renderers: FaultRenderers = {
    throttle: (retryAfterSeconds) => answer(throttledError(retryAfterSeconds, now())),
    error: (status) => answer(injectedError(status)),
  };

  router.post('/v3/mail/send', express.json({ limit: '1mb' }), async (req: Request, res: Response) => {
    const ctx: RequestContext = {
      provider: 'sendgrid',
      channel: 'email',
      seen: seenOf(req.body),
      store,
      logger,
      shutdown,
    };
    const decision = faults.decide('sendgrid');
    if ((await playFaults(ctx, decision, res, renderers)) === 'answered') return;

    const token = parseBearer(req.get('authorization'));
    if (token === null || !secretsEqual(token, account.apiKey)) {
      refuse(ctx, res, answer(unauthorizedError()), 'rejected');
      return;
    }
    if (!req.is('application/json')) {
      refuse(
        ctx,
        res,
        answer(badRequestError([fieldError(null, 'Content-Type must be application/json')])),
        'rejected',
      );
      return;
    }
    const result = validateMailRequest(req.body);
    if (!result.ok) {
      refuse(ctx, res, answer(result.error), 'rejected');
      return;
    }
    const mail = result.value;
    if (decision.invalidNumber) {
      const error = badRequestError([
        fieldError(
          'personalizations.0.to.0.email',
          'Does not contain a valid address.',
          'message.personalizations',
        ),
      ]);
      refuse(ctx, res, answer(error), 'faulted', 'invalid-number');
      return;
    }

    const messageId = newMessageId();
    const record = store.addAccepted({
      provider: 'sendgrid',
      channel: 'email',
      sid: messageId,
      accountSid: keyId(account.apiKey),
      to: mail.to,
      from: mail.from,
      status: 'processed',
      subject: mail.subject,
      recipients: mail.recipients,
      ...(mail.text === undefined ? {} : { body: mail.text }),
      ...(mail.html === undefined ? {} : { html: mail.html }),
    });
    logger.info('sendgrid request accepted', {
      channel: 'email',
      outcome: 'accepted',
      sid: record.sid,
      to: maskAddress(record.to),
      recipients: mail.recipients.length,
    });
    onAccepted(record);
    if (!clientGone(res)) res.status(202).set('X-Message-Id', messageId).end();
  });

  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status =
      typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number'
        ? error.status
        : 500;
    if (status < 500) {
      const message = error instanceof Error ? error.message : 'unreadable request';
      sendSendGridError(
        res,
        badRequestError([fieldError(null, `Could not read the request body: ${message}`)]),
      );
      return;
    }
    logger.error('sendgrid handler failed', { path: req.path, error: String(error) });
    sendSendGridError(res, injectedError(500));
  });

  return router;
}
