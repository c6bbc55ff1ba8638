import { z } from 'zod';
import { TENANT_ID_PATTERN } from './tenant.ts';

/**
 * Provider status callbacks, verified and normalised by hook-ingress (each provider's folder in @byot/providers
 * knows its own words) and queued on QUEUES.status for the workers. A StatusEvent holds no phone number, no
 * message text and nothing secret: only which provider resource it is about, what became of it, and when.
 */

/** A provider's registry name (@byot/providers registry.ts): lower-case, as in SMS_PROVIDERS. */
export const PROVIDER_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * A provider's id of a message, call or e-mail (Twilio MessageSid/CallSid, Vonage messageId/uuid, SendGrid
 * X-Message-Id), as callbacks must carry it: it becomes part of Redis keys and job ids.
 */
export const PROVIDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export const STATUS_CHANNELS = ['sms', 'voice', 'email'] as const;
export type StatusChannel = (typeof STATUS_CHANNELS)[number];

/** One vocabulary for every provider's statuses (messages, calls and e-mails). */
export const NORMALISED_STATUSES = [
  'queued',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'ringing',
  'answered',
  'completed',
  'busy',
  'no-answer',
  'canceled',
  'rejected',
  'expired',
  'unknown',
] as const;
export type NormalisedStatus = (typeof NORMALISED_STATUSES)[number];

export const statusEventSchema = z
  .object({
    version: z.literal(1),
    /** The provider's registry name; callbacks exist only for registered providers. */
    provider: z.string().regex(PROVIDER_NAME_PATTERN),
    channel: z.enum(STATUS_CHANNELS),
    /** Twilio MessageSid/CallSid, Vonage messageId (per SMS part)/call uuid, SendGrid X-Message-Id. */
    providerMessageId: z.string().min(1).max(128),
    status: z.enum(NORMALISED_STATUSES),
    /** The provider's own word, as sent (lower-cased). */
    rawStatus: z.string().min(1).max(64),
    /** Twilio ErrorCode, Vonage err-code (absent when 0), SendGrid bounce status / drop reason. */
    errorCode: z.string().min(1).max(64).optional(),
    /** Epoch ms: the provider's timestamp when it sends one, else when we received the callback. */
    occurredAt: z.number().int(),
    /** Epoch ms when hook-ingress received the callback. */
    receivedAt: z.number().int(),
    /** Twilio's SequenceNumber (call progress events): orders events of one call. */
    sequence: z.number().int().min(0).optional(),
    /**
     * Whose callback path it came in on (`/v1/callbacks/{tenant}/…`, verified with that tenant's secrets): the
     * delivery it reports on is looked up in that tenant only. Absent: the tenant `default` (today's paths).
     */
    tenant: z.string().regex(TENANT_ID_PATTERN).optional(),
  })
  .strict();
export type StatusEvent = z.infer<typeof statusEventSchema>;

/** How a normalised status bears on delivery: the person has the code, cannot get it this way, or not yet known. */
export type ReceiptVerdict = 'delivered' | 'failed' | 'progress';

const DELIVERED: ReadonlySet<NormalisedStatus> = new Set(['delivered', 'answered', 'completed']);
const FAILED: ReadonlySet<NormalisedStatus> = new Set([
  'undelivered',
  'failed',
  'busy',
  'no-answer',
  'canceled',
  'rejected',
  'expired',
]);

/** A call answered (or completed, which only follows an answer) has read the code out: that is delivery. */
export function receiptVerdict(status: NormalisedStatus): ReceiptVerdict {
  if (DELIVERED.has(status)) return 'delivered';
  if (FAILED.has(status)) return 'failed';
  return 'progress';
}

/**
 * How far along a status is, so that the ledger only moves forward: a late `sent` never overwrites `delivered`.
 * Final statuses share the top rank; the first one to arrive stays.
 */
export function statusRank(status: NormalisedStatus): number {
  switch (status) {
    case 'unknown':
      return 0;
    case 'queued':
      return 1;
    case 'sent':
    case 'ringing':
      return 2;
    case 'answered':
      return 3;
    default:
      return 4;
  }
}
