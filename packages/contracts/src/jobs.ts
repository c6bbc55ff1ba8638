import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CHANNELS } from './channel.ts';
import { OKTA_REQUEST_TYPES } from './okta-hook.ts';
import { PROVIDER_ID_PATTERN, type StatusEvent } from './status.ts';
import { TENANT_ID_PATTERN } from './tenant.ts';

/**
 * Queue names. BullMQ keys look like `<prefix>:<queue>:<id>`; names hold no ':' so a cluster hash-tag prefix
 * such as `{byot}` keeps every key of a queue on one slot.
 */
export const QUEUES = {
  sms: 'sms-send',
  voice: 'voice-send',
  /** Verified, normalised provider status callbacks (StatusEvent), for the workers' ledger and failover. */
  status: 'status-events',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The secret part of a send, sealed (AES-256-GCM) before it reaches Redis. */
export const sendSecretsSchema = z.object({
  otpCode: z.string(),
  phoneE164: z.string(),
  /** Okta's rendered SMS text; absent for voice. */
  message: z.string().optional(),
  /** The Okta login, kept only for the optional e-mail last resort. */
  login: z.string().optional(),
});
export type SendSecrets = z.infer<typeof sendSecretsSchema>;

/** What a send job carries. Everything here is safe to see in Redis or a queue dashboard; `sealed` is not readable. */
export const sendJobSchema = z.object({
  version: z.literal(1),
  /** The delivery's scoped id (scopedEventId: Okta's eventId, prefixed by the tenant unless it is `default`). */
  eventId: z.string(),
  /**
   * Whose code it is: the worker sends it with this tenant's accounts and numbers only. Absent in jobs of the
   * single-org releases before tenancy: the tenant `default`.
   */
  tenant: z.string().regex(TENANT_ID_PATTERN).optional(),
  deliveryId: z.string(),
  channel: z.enum(CHANNELS),
  requestType: z.enum(OKTA_REQUEST_TYPES),
  /** Okta's `source`: which org and hook asked. */
  source: z.string().optional(),
  locale: z.string().optional(),
  /** Epoch ms. Nothing may be delivered after this. */
  otpExpiresAt: z.number().int(),
  receivedAt: z.number().int(),
  phoneMasked: z.string(),
  phoneCountry: z.string().optional(),
  sealed: z.string(),
  /** W3C trace context of the hook request, so the worker's spans join the hook's trace. */
  trace: z.record(z.string(), z.string()).optional(),
});
export type SendJob = z.infer<typeof sendJobSchema>;

/** Our transaction id for Okta, stable for an eventId so that duplicates get the same answer. */
export function deliveryIdFor(eventId: string): string {
  return `byot-${eventId}`;
}

export function jobIdFor(eventId: string): string {
  return `evt-${eventId}`;
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
    PROVIDER_ID_PATTERN.test(s) ? s : `h${createHash('sha256').update(s).digest('hex').slice(0, 32)}`;
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
