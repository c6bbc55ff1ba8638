import { z } from 'zod';
import { CHANNELS } from './channel.ts';
import { OKTA_REQUEST_TYPES } from './okta-hook.ts';
import { TENANT_ID_PATTERN } from './tenant.ts';

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
