import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { CALLBACK_PATHS, normaliseSendGridEvent, type StatusEvent } from '@byot/contracts';
import express, { type Request, type Response, type Router } from 'express';
import {
  accept,
  type CallbackDeps,
  callbackErrorHandler,
  DEFAULT_MAX_SKEW_MS,
  isPlainObject,
  malformed,
  notConfigured,
  occurredAt,
  refuse,
  STATUS_PATTERN,
  str,
} from './common.ts';

/** SendGrid posts events in batches (up to a few thousand): a cap of its own, above the other callbacks'. */
export const SENDGRID_MAX_BODY_BYTES = 1_048_576;

const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/** The verification key as SendGrid shows it (Base64 of the DER SubjectPublicKeyInfo, EC P-256). */
export function sendGridPublicKey(base64Der: string): KeyObject {
  return createPublicKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'spki' });
}

/**
 * SendGrid's signed event webhook: ECDSA P-256 / SHA-256 over the timestamp header followed by the RAW body, DER,
 * Base64 (what @sendgrid/eventwebhook's verifySignature checks), with node:crypto.
 */
export function verifySendGridSignature(
  key: KeyObject,
  rawBody: Buffer,
  signatureBase64: string,
  timestamp: string,
): boolean {
  try {
    return verify(
      'sha256',
      Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]),
      { key, dsaEncoding: 'der' },
      Buffer.from(signatureBase64, 'base64'),
    );
  } catch {
    return false;
  }
}

export function sendgridCallbacksRouter(deps: CallbackDeps): Router {
  const router = express.Router();
  const path = CALLBACK_PATHS.sendgridEvents;
  if (deps.sendgrid === undefined) {
    router.post(path, notConfigured('SendGrid'));
    return router;
  }
  const key = sendGridPublicKey(deps.sendgrid.publicKey);
  const skew = deps.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const now = deps.now ?? Date.now;
  router.post(
    path,
    // The signature covers the bytes as sent: keep them raw, parse after verifying.
    express.raw({ type: () => true, limit: SENDGRID_MAX_BODY_BYTES }),
    async (req: Request, res: Response) => {
      const receivedAt = now();
      const signature = req.get(SIGNATURE_HEADER);
      const timestamp = req.get(TIMESTAMP_HEADER);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!signature || !timestamp) return refuse(res, deps.log, 'sendgrid', 'no signature headers');
      if (!verifySendGridSignature(key, raw, signature, timestamp)) {
        return refuse(res, deps.log, 'sendgrid', 'signature does not match');
      }
      if (!/^\d{1,12}$/.test(timestamp) || Math.abs(receivedAt - Number(timestamp) * 1000) > skew) {
        return refuse(res, deps.log, 'sendgrid', 'stale timestamp');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        return malformed(res, deps.log, 'sendgrid', 'body is not JSON');
      }
      if (!Array.isArray(parsed)) return malformed(res, deps.log, 'sendgrid', 'body is not a JSON array');
      const events: StatusEvent[] = [];
      let skipped = 0;
      for (const item of parsed) {
        const event = isPlainObject(item) ? normaliseSendGridItem(item, receivedAt) : undefined;
        if (event === undefined) skipped++;
        else events.push(event);
      }
      // One odd event must not make SendGrid retry the whole batch: skip it, say so.
      if (skipped > 0)
        deps.log.warn(
          { provider: 'sendgrid', skipped },
          'skipped SendGrid events without a message id or event',
        );
      await accept(res, deps, 'sendgrid', events);
    },
  );
  router.use(path, callbackErrorHandler(deps.log));
  return router;
}

/** One SendGrid event as a StatusEvent, or undefined when it names no message or no event. Never the e-mail. */
export function normaliseSendGridItem(
  item: Record<string, unknown>,
  receivedAt: number,
): StatusEvent | undefined {
  const sgMessageId = str(item, 'sg_message_id');
  const raw = str(item, 'event');
  // sg_message_id is "<X-Message-Id>.<relay suffix>"; the send answered X-Message-Id, which is what we keep.
  const id = sgMessageId?.split('.')[0];
  if (id === undefined || !/^[A-Za-z0-9_-]{1,128}$/.test(id)) return undefined;
  if (raw === undefined || !STATUS_PATTERN.test(raw)) return undefined;
  const rawStatus = raw.toLowerCase();
  const bounceStatus = str(item, 'status');
  const reason = str(item, 'reason');
  const errorCode =
    rawStatus === 'bounce' && bounceStatus !== undefined && /^\d\.\d{1,3}\.\d{1,3}$/.test(bounceStatus)
      ? bounceStatus
      : rawStatus === 'dropped' && reason !== undefined && /^[A-Za-z0-9 _.-]{1,64}$/.test(reason)
        ? reason
        : undefined;
  const ts = item.timestamp;
  return {
    version: 1,
    provider: 'sendgrid',
    channel: 'email',
    providerMessageId: id,
    status: normaliseSendGridEvent(rawStatus),
    rawStatus,
    ...(errorCode === undefined ? {} : { errorCode }),
    occurredAt: occurredAt(typeof ts === 'number' ? ts * 1000 : undefined, receivedAt),
    receivedAt,
  };
}
