import {
  type Channel,
  type NormalisedStatus,
  type ReceiptVerdict,
  receiptVerdict,
  type StatusEvent,
  statusRank,
} from '@byot/contracts';
import type { DeliveryRecord } from './delivery-record.ts';

/**
 * The delivery ledger: one entry per provider attempt of an OTP, beside its delivery record and expiring with it.
 * Entries hold provider names, provider ids, error codes, statuses and times — never the code, the text or the
 * full number. Status only moves forward (statusRank); the first final verdict of an attempt stays, except that a
 * real receipt overrides our own "no receipt in time" guess.
 */
export interface AttemptEntry {
  provider: string;
  channel: Channel | 'email';
  /**
   * Which of the provider's accounts sent it (Route.credentialSet, a digest, never a secret), so that its receipt
   * is counted for that account. Absent: the default tenant's account, and every entry written before this field.
   */
  credentialSet?: string;
  startedAt: number;
  finishedAt: number;
  result: 'accepted' | 'error';
  providerMessageId?: string;
  /** For result 'error': the ProviderError kind and code (e.g. unavailable / ECONNREFUSED, rate-limited / 20429). */
  errorKind?: string;
  errorCode?: string;
  /** Latest status: 'accepted' until a receipt comes, then the normalised status. */
  status?: NormalisedStatus | 'accepted';
  rank?: number;
  statusAt?: number;
  verdict?: ReceiptVerdict | 'no-receipt';
  history?: ReceiptHistoryEntry[];
}

export interface ReceiptHistoryEntry {
  status: NormalisedStatus | 'no-receipt';
  raw: string;
  code?: string;
  /** The provider's time, when it gives one; else when the callback arrived. */
  at: number;
  receivedAt: number;
  seq?: number;
  /** False for duplicates that added nothing and reports that arrived after a later status (out of order). */
  applied: boolean;
}

/** At most this many status reports are kept per attempt: a misbehaving provider cannot grow a ledger forever. */
export const MAX_HISTORY = 20;

/** Where a receipt was recorded: the attempt it belongs to. */
export interface AttemptRef {
  eventId: string;
  /** 1-based position of the attempt in the ledger. */
  index: number;
  /** The hook's W3C trace context, so that the receipt's span can link to the delivery's trace. */
  trace?: { traceparent: string };
}

/** What the ledger script needs to know of a status report. */
export function receiptArgs(event: Pick<StatusEvent, 'status'>): {
  verdict: ReceiptVerdict;
  rank: number;
} {
  return { verdict: receiptVerdict(event.status), rank: statusRank(event.status) };
}

export type DeliverySummary =
  | 'delivered'
  | 'pending'
  | 'undelivered'
  | 'failed'
  | 'okta-fallback'
  | 'blocked';

/** What support staff see for one OTP: who tried, what the providers said, whether the person got the code. */
export interface LedgerView {
  eventId: string;
  deliveryId: string;
  channel: Channel;
  requestType: string;
  phoneMasked: string;
  /** delivered: a provider confirmed it; pending: accepted, no final receipt yet; undelivered: every receipt
   * reported failure (or none came) and nothing more will be tried; failed: no provider accepted it;
   * blocked: the fraud controls refused it at the hook (nothing was sent). */
  delivery: DeliverySummary;
  state: string;
  hookReceivedAt?: string;
  otpExpiresAt: string;
  delivered?: { at: string; provider: string; channel: string; latencyMs?: number };
  /** Why the code went on to another route after a receipt, if it did. */
  reroutedAfter?: string;
  reason?: string;
  /** The fraud rule that refused the code, and when (the phone is masked above, as everywhere). */
  blocked?: { rule: string; at: string };
  attempts: (Omit<AttemptEntry, 'rank' | 'startedAt' | 'finishedAt' | 'statusAt' | 'history'> & {
    n: number;
    startedAt: string;
    finishedAt: string;
    statusAt?: string;
    history?: (Omit<ReceiptHistoryEntry, 'at' | 'receivedAt'> & { at: string; receivedAt: string })[];
  })[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function ledgerView(record: DeliveryRecord, attempts: AttemptEntry[], now = Date.now()): LedgerView {
  const view: LedgerView = {
    eventId: record.eventId,
    deliveryId: record.deliveryId,
    channel: record.channel,
    requestType: record.requestType,
    phoneMasked: record.phoneMasked,
    delivery: summarise(record, attempts, now),
    state: record.state,
    ...(record.hookReceivedAt ? { hookReceivedAt: iso(record.hookReceivedAt) } : {}),
    otpExpiresAt: iso(record.otpExpiresAt),
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.reroutedAfter ? { reroutedAfter: record.reroutedAfter } : {}),
    ...(record.blockedRule
      ? { blocked: { rule: record.blockedRule, at: iso(record.blockedAt ?? record.createdAt) } }
      : {}),
    attempts: attempts.map((a, i) => {
      const { rank: _rank, history, startedAt, finishedAt, statusAt, ...rest } = a;
      return {
        n: i + 1,
        ...rest,
        startedAt: iso(startedAt),
        finishedAt: iso(finishedAt),
        ...(statusAt ? { statusAt: iso(statusAt) } : {}),
        ...(history
          ? { history: history.map((h) => ({ ...h, at: iso(h.at), receivedAt: iso(h.receivedAt) })) }
          : {}),
      };
    }),
  };
  if (record.deliveredAt && record.deliveredVia) {
    view.delivered = {
      at: iso(record.deliveredAt),
      provider: record.deliveredVia,
      channel: record.deliveredChannel ?? record.channel,
      ...(record.hookReceivedAt
        ? { latencyMs: Math.max(0, record.deliveredAt - record.hookReceivedAt) }
        : {}),
    };
  }
  return view;
}

function summarise(record: DeliveryRecord, attempts: AttemptEntry[], now: number): DeliverySummary {
  if (record.deliveredAt) return 'delivered';
  if (record.state === 'fallback') return 'okta-fallback';
  if (record.state === 'blocked') return 'blocked';
  const accepted = attempts.filter((a) => a.result === 'accepted');
  if (record.state === 'failed' || record.state === 'expired')
    return accepted.length > 0 ? 'undelivered' : 'failed';
  const open = accepted.some((a) => a.verdict === undefined);
  if (!open && record.state === 'accepted' && accepted.length > 0) return 'undelivered';
  return now >= record.otpExpiresAt && !open ? 'undelivered' : 'pending';
}
