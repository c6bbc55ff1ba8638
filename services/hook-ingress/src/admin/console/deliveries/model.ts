import type { LedgerView } from '@byot/delivery/records';

/**
 * What the console reads about deliveries, and from where (the ledger's indexes in Redis, see ledger-source.ts).
 * Every list is limited to the tenants the principal may see before anything is read.
 */

/** The final state a support person reads: the ledger's summary, or a hook the fraud controls stopped. */
export const FEED_STATES = [
  'delivered',
  'pending',
  'undelivered',
  'failed',
  'blocked',
  'okta-fallback',
] as const;
export type FeedState = (typeof FEED_STATES)[number];

export const FEED_STATE_LABEL: Record<FeedState, string> = {
  delivered: 'delivered',
  pending: 'pending',
  undelivered: 'undelivered',
  failed: 'failed',
  blocked: 'blocked',
  'okta-fallback': 'Okta fallback',
};

/** One row of the feed: no code, no text, the number masked. */
export interface FeedItem {
  tenant: string;
  eventId: string;
  /** When Okta's hook reached us (epoch ms). */
  receivedAt: number;
  /** Okta's request type ("com.okta.user.telephony.mfa-verification"). */
  requestType: string;
  channel: string;
  phoneMasked: string;
  state: FeedState;
  /** The provider that delivered (or last accepted, or was last tried). */
  provider?: string;
  /** Hook to the provider's delivered report. */
  latencyMs?: number;
}

export interface FeedFilters {
  /** Already narrowed to what the principal may see; one tenant or several. */
  tenants: string[];
  state?: FeedState;
  channel?: string;
  provider?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  to?: number;
  /** At most this many, newest first. */
  limit: number;
}

export type PersonQuery =
  | { kind: 'login' | 'userId'; value: string }
  | { kind: 'last4'; value: string; tenant: string };

/** Okta's answer as hook-ingress gave it, and when. */
export interface OktaAnswer {
  /** SUCCESSFUL, PENDING, FAILED, or fallback (a non-200: Okta sent the code itself). */
  status: 'SUCCESSFUL' | 'PENDING' | 'FAILED' | 'fallback';
  at: number;
  provider?: string;
  /** The rule, for a hook the fraud controls stopped; the reason of a FAILED or a fallback. */
  reason?: string;
}

/** One delivery with everything its page shows. */
export interface DeliveryDetail {
  tenant: string;
  /** The ledger as GET /v1/deliveries/:eventId answers it (attempts, receipts, delivered). */
  ledger: LedgerView;
  state: FeedState;
  receivedAt: number;
  answer?: OktaAnswer;
}

export interface DeliverySource {
  /** Newest first, filtered. */
  feed(filters: FeedFilters): Promise<FeedItem[]>;
  /** Deliveries of one person (login or userId, exact) in these tenants, or of one number's last digits in one tenant. */
  search(tenants: string[], query: PersonQuery, limit: number): Promise<FeedItem[]>;
  /** One delivery, if it exists and is still kept. */
  detail(tenant: string, eventId: string): Promise<DeliveryDetail | undefined>;
}
