import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { PROVIDER_ID_PATTERN, type StatusEvent } from '@byot/contracts';
import {
  type CallbackEndpoint,
  type CallbackOptions,
  isPlainObject,
  MalformedCallback,
  occurredAt,
  refused,
  STATUS_PATTERN,
  str,
  VERIFIED,
} from '../callbacks.ts';
import { normaliseSendGridEvent } from './statuses.ts';

/** Where SendGrid posts its event webhook batches (relative to PUBLIC_BASE_URL). */
export const SENDGRID_CALLBACK_PATHS = { email: '/v1/callbacks/sendgrid/events' } as const;

/** SendGrid posts events in batches (up to a few thousand): a cap of its own, above the other callbacks'. */
export const SENDGRID_MAX_BODY_BYTES = 1_048_576;

const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/** The verification key SendGrid shows for signed events (Base64 DER, EC P-256). Without it the route is 404. */
export interface SendGridCallbackSettings {
  publicKey: string;
}

/** The verification key as SendGrid shows it (Base64 of the DER SubjectPublicKeyInfo, EC P-256). */
export function sendGridPublicKey(base64Der: string): KeyObject {
  return createPublicKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'spki' });
}

/** Whether a value is such a key (SENDGRID_EVENT_PUBLIC_KEY is checked with this at start). */
export function isSendGridPublicKey(value: string): boolean {
  try {
    const key = sendGridPublicKey(value);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
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

/** The event webhook: the signature covers the bytes as sent, so the body stays raw until it is verified. */
export function sendGridCallbacks(
  settings: SendGridCallbackSettings | undefined,
  options: CallbackOptions,
): CallbackEndpoint[] {
  const path = SENDGRID_CALLBACK_PATHS.email;
  if (settings === undefined) return [{ configured: false, provider: 'sendgrid', path }];
  const key = sendGridPublicKey(settings.publicKey);
  return [
    {
      configured: true,
      provider: 'sendgrid',
      path,
      body: 'raw',
      maxBodyBytes: SENDGRID_MAX_BODY_BYTES,
      verify: (request) => {
        const signature = request.header(SIGNATURE_HEADER);
        const timestamp = request.header(TIMESTAMP_HEADER);
        if (!signature || !timestamp) return refused('no signature headers');
        if (!verifySendGridSignature(key, request.rawBody ?? Buffer.alloc(0), signature, timestamp)) {
          return refused('signature does not match');
        }
        if (
          !/^\d{1,12}$/.test(timestamp) ||
          Math.abs(request.receivedAt - Number(timestamp) * 1000) > options.maxSkewMs
        ) {
          return refused('stale timestamp');
        }
        return VERIFIED;
      },
      parse: (request) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse((request.rawBody ?? Buffer.alloc(0)).toString('utf8'));
        } catch {
          throw new MalformedCallback('body is not JSON');
        }
        if (!Array.isArray(parsed)) throw new MalformedCallback('body is not a JSON array');
        const events: StatusEvent[] = [];
        for (const item of parsed) {
          const event = isPlainObject(item) ? parseSendGridEvent(item, request.receivedAt) : undefined;
          if (event !== undefined) events.push(event);
        }
        // One odd event must not make SendGrid retry the whole batch: it is skipped (and counted).
        return { events, skipped: parsed.length - events.length };
      },
    },
  ];
}

/** One SendGrid event as a StatusEvent, or undefined when it names no message or no event. Never the e-mail. */
export function parseSendGridEvent(
  item: Record<string, unknown>,
  receivedAt: number,
): StatusEvent | undefined {
  const sgMessageId = str(item, 'sg_message_id');
  const raw = str(item, 'event');
  // sg_message_id is "<X-Message-Id>.<relay suffix>"; the send answered X-Message-Id, which is what we keep.
  const id = sgMessageId?.split('.')[0];
  if (id === undefined || !PROVIDER_ID_PATTERN.test(id)) return undefined;
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
