/** The facts a drill collects: what we sent, what Okta heard, what the simulated providers accepted. */

export type Channel = 'sms' | 'voice';
export type Phase = 'baseline' | 'fault' | 'recovery';

/** One Okta hook the drill sent, and how it was answered. */
export interface HookRecord {
  eventId: string;
  /** The tenant (customer org) whose hook path it was sent on; undefined: the single-org `default`. */
  tenant?: string;
  channel: Channel;
  /** E.164, unique within the run: the key that ties provider records to the hook. */
  phone: string;
  otp: string;
  phase: Phase;
  /** Epoch milliseconds. */
  sentAt: number;
  expiresAt: number;
  /** Epoch milliseconds when the answer (or the failure) came; undefined while in flight. */
  doneAt?: number;
  /** Milliseconds to the complete answer; set only when an HTTP answer came. */
  latencyMs?: number;
  /** HTTP status; undefined when nothing answered within Okta's 3 s (timeout) or the connection failed. */
  httpStatus?: number;
  /** The command's status: SUCCESSFUL, PENDING, FAILED (200 answers only). */
  answer?: string;
  /** The provider Okta was told about (TWILIO, VONAGE, …). */
  provider?: string;
  /** transactionMetadata of the answer: for a refused code, the rule ("blocked: per-prefix limit"). */
  metadata?: string;
  /** Okta's request type (short label) and the destination country, where the drill varies them. */
  requestType?: string;
  country?: string;
  error?: 'timeout' | 'connection';
}

/** One message, call or e-mail a simulated provider accepted, reduced to what judging needs. */
export interface ProviderDelivery {
  provider: string;
  channel: string;
  /** The recipient as digits only (Twilio sends E.164, Vonage digits without '+'). */
  to: string;
  /** SMS body or spoken text (digits are compared, so "4, 8, 2" matches 482). */
  text: string;
  /** Epoch milliseconds at which the provider accepted it. */
  receivedAt: number;
  /** The provider's latest status (queued, sent, delivered, undelivered, completed, busy…). */
  status: string;
  errorCode?: number | string;
  sid: string;
}

/**
 * The delivery ledger's verdict for one event (GET /v1/deliveries/:eventId): delivered, pending, undelivered,
 * failed, okta-fallback; `unavailable` when the ingress has no ledger route (or it did not answer).
 */
export type LedgerVerdict =
  | 'delivered'
  | 'pending'
  | 'undelivered'
  | 'failed'
  | 'okta-fallback'
  | 'blocked'
  | 'unavailable';

/** When things happened in one drill (epoch milliseconds). */
export interface Timeline {
  startedAt: number;
  /** The fault was injected (for a process fault: the kill was sent). */
  faultAt: number;
  /** The fault was lifted (faults cleared, or the process was back and ready). */
  clearAt: number;
  /** The load stopped. */
  loadEndAt: number;
  /** Drained (or the drain deadline passed) and judged. */
  judgedAt: number;
}
