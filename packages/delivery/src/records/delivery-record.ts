import type { Channel, DeliveryOutcome, OktaRequestType } from '@byot/contracts';

/**
 * One delivery record per Okta eventId: what we know about a send, without secrets (the phone is masked).
 * It outlives the job (which is removed when it finishes) so that duplicates of a hook, redelivered jobs and
 * support staff all see the same truth. It expires a fixed retention after the OTP does.
 */
/** `blocked`: the fraud controls refused the code at the hook; nothing was ever enqueued or sent. */
export const DELIVERY_STATES = [
  'sending',
  'retrying',
  'accepted',
  'failed',
  'expired',
  'fallback',
  'blocked',
] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface DeliveryRecord {
  eventId: string;
  deliveryId: string;
  channel: Channel;
  requestType: OktaRequestType;
  phoneMasked: string;
  state: DeliveryState;
  attempts: number;
  provider?: string;
  providerMessageId?: string;
  reason?: string;
  outcome?: DeliveryOutcome;
  createdAt: number;
  updatedAt: number;
  otpExpiresAt: number;
  /** When Okta's hook reached us (set when a provider first accepts): the start of the delivery latency. */
  hookReceivedAt?: number;
  /** The first delivered / answered receipt, as it reached us. */
  deliveredAt?: number;
  deliveredVia?: string;
  deliveredChannel?: string;
  /** Why the code went on to another route after a receipt ("twilio sms undelivered 30003"). */
  reroutedAfter?: string;
  /** The routes receipts ruled out for this OTP. */
  exclusions?: RouteExclusions;
  /** For state `blocked`: the fraud rule (per-number, country, hold-prefix, …) and when it refused the code. */
  blockedRule?: string;
  blockedAt?: number;
}

/**
 * Routes ruled out by receipts (the record field `exclusions`), per channel: the providers whose receipt said undelivered, and `closed` when the
 * number itself cannot take the channel (no provider of it would do better).
 */
export interface RouteExclusions {
  sms?: { providers: string[]; closed?: boolean };
  voice?: { providers: string[]; closed?: boolean };
  /** A receipt said landline: the voice escalation applies. */
  suggestsVoice?: boolean;
}

export function isExcluded(
  exclusions: RouteExclusions | undefined,
  channel: Channel,
  provider: string,
): boolean {
  const rule = exclusions?.[channel];
  return Boolean(rule && (rule.closed || rule.providers.includes(provider)));
}

export interface DeliveryMeta {
  eventId: string;
  deliveryId: string;
  channel: Channel;
  requestType: OktaRequestType;
  phoneMasked: string;
  otpExpiresAt: number;
}

export function parseRecord(hash: Record<string, string>): DeliveryRecord | undefined {
  if (!hash.eventId || !hash.state) return undefined;
  const num = (v: string | undefined) => (v === undefined ? 0 : Number(v));
  const exclusions = hash.exclusions ?? hash.reroute;
  return {
    eventId: hash.eventId,
    deliveryId: hash.deliveryId ?? '',
    channel: (hash.channel ?? 'sms') as Channel,
    requestType: hash.requestType as OktaRequestType,
    phoneMasked: hash.phoneMasked ?? '',
    state: hash.state as DeliveryState,
    attempts: num(hash.attempts),
    ...(hash.provider ? { provider: hash.provider } : {}),
    ...(hash.providerMessageId ? { providerMessageId: hash.providerMessageId } : {}),
    ...(hash.reason ? { reason: hash.reason } : {}),
    ...(hash.outcome ? { outcome: JSON.parse(hash.outcome) as DeliveryOutcome } : {}),
    createdAt: num(hash.createdAt),
    updatedAt: num(hash.updatedAt),
    otpExpiresAt: num(hash.otpExpiresAt),
    ...(hash.hookReceivedAt ? { hookReceivedAt: num(hash.hookReceivedAt) } : {}),
    ...(hash.deliveredAt ? { deliveredAt: num(hash.deliveredAt) } : {}),
    ...(hash.deliveredVia ? { deliveredVia: hash.deliveredVia } : {}),
    ...(hash.deliveredChannel ? { deliveredChannel: hash.deliveredChannel } : {}),
    ...(hash.reroutedAfter ? { reroutedAfter: hash.reroutedAfter } : {}),
    ...(hash.blockedRule ? { blockedRule: hash.blockedRule, blockedAt: num(hash.blockedAt) } : {}),
    // `reroute`: the field's name in the previous release (see record-scripts.ts).
    ...(exclusions ? { exclusions: JSON.parse(exclusions) as RouteExclusions } : {}),
  };
}
