import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Provider status callbacks, verified and normalised by hook-ingress and queued on QUEUES.status for the
 * workers. A StatusEvent holds no phone number, no message text and nothing secret: only which provider
 * resource it is about, what became of it, and when.
 */

export const STATUS_PROVIDERS = ['twilio', 'vonage', 'sendgrid'] as const;
export type StatusProvider = (typeof STATUS_PROVIDERS)[number];

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
    provider: z.enum(STATUS_PROVIDERS),
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
  })
  .strict();
export type StatusEvent = z.infer<typeof statusEventSchema>;

function lookup(table: Readonly<Record<string, NormalisedStatus>>, raw: string): NormalisedStatus {
  const key = raw.trim().toLowerCase();
  return Object.hasOwn(table, key) ? (table[key] as NormalisedStatus) : 'unknown';
}

/**
 * Twilio MessageStatus. `sending` is still in Twilio's hands; `read` (WhatsApp/RCS) implies delivered;
 * `partially_delivered` is ambiguous for a code split across parts and is left to the workers as `unknown`.
 */
const TWILIO_MESSAGE: Readonly<Record<string, NormalisedStatus>> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'canceled',
};

/** Twilio CallStatus (`initiated` is the call-progress event name, reported with status queued/initiated). */
const TWILIO_CALL: Readonly<Record<string, NormalisedStatus>> = {
  queued: 'queued',
  initiated: 'queued',
  ringing: 'ringing',
  'in-progress': 'answered',
  answered: 'answered',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  failed: 'failed',
  canceled: 'canceled',
};

/** Vonage SMS delivery receipt `status`. `accepted` and `buffered` mean the carrier has it, not the handset. */
const VONAGE_SMS: Readonly<Record<string, NormalisedStatus>> = {
  accepted: 'sent',
  buffered: 'sent',
  delivered: 'delivered',
  expired: 'expired',
  failed: 'failed',
  rejected: 'rejected',
  unknown: 'unknown',
};

/** Vonage Voice API event `status`. `timeout` and `unanswered` both mean nobody picked up. */
const VONAGE_VOICE: Readonly<Record<string, NormalisedStatus>> = {
  started: 'queued',
  ringing: 'ringing',
  answered: 'answered',
  machine: 'answered',
  human: 'answered',
  completed: 'completed',
  busy: 'busy',
  cancelled: 'canceled',
  canceled: 'canceled',
  failed: 'failed',
  rejected: 'rejected',
  timeout: 'no-answer',
  unanswered: 'no-answer',
};

/**
 * SendGrid event names. `bounce` (including type "blocked") is the receiving server refusing: undelivered;
 * `dropped` is SendGrid never sending it: failed. Engagement events imply delivery; the rest say nothing of it.
 */
const SENDGRID: Readonly<Record<string, NormalisedStatus>> = {
  processed: 'queued',
  deferred: 'queued',
  delivered: 'delivered',
  open: 'delivered',
  click: 'delivered',
  bounce: 'undelivered',
  blocked: 'undelivered',
  dropped: 'failed',
};

export function normaliseTwilioMessageStatus(raw: string): NormalisedStatus {
  return lookup(TWILIO_MESSAGE, raw);
}
export function normaliseTwilioCallStatus(raw: string): NormalisedStatus {
  return lookup(TWILIO_CALL, raw);
}
export function normaliseVonageSmsStatus(raw: string): NormalisedStatus {
  return lookup(VONAGE_SMS, raw);
}
export function normaliseVonageVoiceStatus(raw: string): NormalisedStatus {
  return lookup(VONAGE_VOICE, raw);
}
export function normaliseSendGridEvent(raw: string): NormalisedStatus {
  return lookup(SENDGRID, raw);
}

/**
 * BullMQ job id for a status event: exact duplicates (same provider resource, same raw status, same sequence)
 * collapse into one job while it lives. Fields are joined with '.', which no part may contain (BullMQ refuses ':'
 * in custom ids); a part with any other character than [A-Za-z0-9_-] is written as its SHA-256 prefix instead.
 */
export function statusJobIdFor(
  event: Pick<StatusEvent, 'provider' | 'channel' | 'providerMessageId' | 'rawStatus' | 'sequence'>,
): string {
  const safe = (s: string) =>
    /^[A-Za-z0-9_-]{1,128}$/.test(s) ? s : `h${createHash('sha256').update(s).digest('hex').slice(0, 32)}`;
  const parts = [event.provider, event.channel, safe(event.providerMessageId), safe(event.rawStatus)];
  if (event.sequence !== undefined) parts.push(String(event.sequence));
  return `st.${parts.join('.')}`;
}

/**
 * The "no receipt within N seconds" rule: when a provider accepts a code, the worker schedules this check on the
 * status queue; if the attempt has no final receipt by then, it is treated as undelivered.
 */
export const receiptDeadlineSchema = z
  .object({
    version: z.literal(1),
    kind: z.literal('receipt-deadline'),
    provider: z.string().min(1).max(32),
    providerMessageId: z.string().min(1).max(128),
  })
  .strict();
export type ReceiptDeadline = z.infer<typeof receiptDeadlineSchema>;

/** Job names on the status queue: callbacks are named `<provider>.<channel>`, deadlines this. */
export const RECEIPT_DEADLINE_JOB = 'receipt-deadline';

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

/** Any provider's status word for one of its channels, in the normalised vocabulary ('unknown' if not its word). */
export function normaliseProviderStatus(provider: string, channel: string, raw: string): NormalisedStatus {
  if (provider === 'twilio')
    return channel === 'voice' ? normaliseTwilioCallStatus(raw) : normaliseTwilioMessageStatus(raw);
  if (provider === 'vonage')
    return channel === 'voice' ? normaliseVonageVoiceStatus(raw) : normaliseVonageSmsStatus(raw);
  if (provider === 'sendgrid') return normaliseSendGridEvent(raw);
  return 'unknown';
}
