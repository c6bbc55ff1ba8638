/**
 * What people experienced in one drill, computed from ground truth only: the answers Okta got (the drill is
 * Okta) and what the simulated providers accepted, for which number, when, with which code, and what their
 * receipts said. Pure: no I/O, so every rule here is unit-tested.
 */
import { type ReceiptVerdict, receiptVerdict } from '@byot/contracts';
import { normaliseProviderStatus } from '@byot/providers/registry';
import type { HookRecord, LedgerVerdict, ProviderDelivery, Timeline } from './types.ts';

/** Okta's window: a hook answered later than this is as good as unanswered (Okta sends the code itself). */
export const OKTA_WINDOW_MS = 3_000;

/** Ledger verdicts that count as "reported failed" (the system knows and says so): not lost. */
const REPORTED_FAILED = new Set<LedgerVerdict>(['undelivered', 'failed', 'okta-fallback']);

export interface MetricsInput {
  hooks: readonly HookRecord[];
  deliveries: readonly ProviderDelivery[];
  /** The ledger's verdict for hooks that were accepted but never reached the person (others need none). */
  ledger: ReadonlyMap<string, LedgerVerdict>;
  timeline: Timeline;
  /** The provider that carries traffic when all is well (twilio). */
  primary: string;
  /**
   * What "rerouted" means for this drill: `backup` — the first delivery by another provider than the primary after
   * the fault (provider faults); `any` — the first delivery of a hook sent after the fault (process faults).
   */
  reroute: 'backup' | 'any';
}

export interface AnswerMix {
  SUCCESSFUL: number;
  PENDING: number;
  FAILED: number;
  /** Non-200, no answer within 3 s, or connection failure: Okta sends the code through its own providers. */
  fallback: number;
}

export interface ScenarioMetrics {
  hooks: number;
  /** Hooks that got an HTTP answer within Okta's window (any status). */
  answeredInWindow: number;
  inWindowPct: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  answers: AnswerMix;
  /** Why Okta fell back: HTTP status ("503", "502") or "timeout" / "connection", with counts. */
  fallbackReasons: Record<string, number>;
  /** The same mix for hooks sent while the fault was on. */
  faultAnswers: AnswerMix;
  /** Answered SUCCESSFUL or PENDING: we took the job of delivering. */
  accepted: number;
  /** Hook sent → the provider accepting the send that reached the person: p50, p99 and the slowest. */
  deliveryP50Ms: number | null;
  deliveryP99Ms: number | null;
  deliveryMaxMs: number | null;
  /** Hooks whose code reached the person (a provider accepted it and no receipt said otherwise) before expiry. */
  deliveredBeforeExpiry: number;
  /** Accepted, never reached the person, and not reported failed by the delivery ledger. */
  lost: number;
  lostEventIds: string[];
  /** Accepted, never reached the person, and the ledger says so (undelivered, failed). */
  reportedFailed: number;
  /** How the ledger was consulted: every lookup answered, none did (no route yet), or some. */
  ledger: 'not-needed' | 'available' | 'unavailable' | 'partial';
  /**
   * Extra deliveries that reached the person: the same code reaching one person twice (a resend after a receipt
   * said "undelivered" is not one: the first never arrived), plus any delivery of a code Okta was told to send itself.
   */
  duplicates: number;
  /** The hooks behind the duplicates (ids, channel, providers in order: no codes, no numbers), for follow-up. */
  duplicateDetails: {
    eventId: string;
    channel: string;
    answer: string;
    providers: string[];
    gapsMs: number[];
  }[];
  /** Of the duplicates: deliveries of codes for which Okta fell back (it sent them too). */
  sentAfterFallback: number;
  /** Provider acceptances after the code's expiry (must be 0). */
  deliveredAfterExpiry: number;
  /** Deliveries whose text does not carry the hook's code (must be 0). */
  wrongCode: number;
  /** Hooks where a receipt said "undelivered" and a later delivery reached the person. */
  resentAfterReceipt: number;
  /** Deliveries that reached the person, per provider. */
  byProvider: Record<string, number>;
  /** Milliseconds from the fault to the first rerouted delivery (see MetricsInput.reroute); null: none seen. */
  rerouteMs: number | null;
  /**
   * The span of traffic Okta had to send itself: from the first fallback hook's sending to the last one's answer
   * (0: none). A Redis failover's cost in time, whatever the load rate.
   */
  fallbackWindowMs: number;
  /**
   * Milliseconds from lifting the fault to the first hook sent afterwards that the primary provider delivered and
   * Okta heard SUCCESSFUL for; null: not within the drill.
   */
  recoveryMs: number | null;
  /**
   * Sends that may have been in flight at the fault: hooks sent but not yet answered at that instant, plus provider
   * acceptances in the half second before it. The bound of the duplicates a crash may cause (ADR 0003).
   */
  inFlightAtFault: number;
}

export function digitsOf(text: string): string {
  return text.replace(/\D/g, '');
}

/** What a provider's latest status says: reached the person, did not, or not known yet (its registry's words). */
export function verdictOf(
  delivery: Pick<ProviderDelivery, 'provider' | 'channel' | 'status'>,
): ReceiptVerdict {
  return receiptVerdict(normaliseProviderStatus(delivery.provider, delivery.channel, delivery.status));
}

/** A provider acceptance reached the person unless a final receipt said otherwise. */
export function reachedPerson(delivery: Pick<ProviderDelivery, 'provider' | 'channel' | 'status'>): boolean {
  return verdictOf(delivery) !== 'failed';
}

/** Nearest-rank percentile of sorted values; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

function emptyMix(): AnswerMix {
  return { SUCCESSFUL: 0, PENDING: 0, FAILED: 0, fallback: 0 };
}

/** Okta's reading of the answer: a 200 with a status, or a fallback. */
export function answerKind(hook: HookRecord): keyof AnswerMix {
  if (hook.httpStatus !== 200 || hook.error !== undefined) return 'fallback';
  if (hook.answer === 'SUCCESSFUL' || hook.answer === 'PENDING' || hook.answer === 'FAILED')
    return hook.answer;
  return 'fallback'; // a 200 without a status Okta knows is skipped, and Okta sends the code itself
}

export function computeMetrics(input: MetricsInput): ScenarioMetrics {
  const { hooks, deliveries, ledger, timeline } = input;
  const byPhone = deliveriesByPhone(deliveries);

  const answers = emptyMix();
  const faultAnswers = emptyMix();
  const latencies: number[] = [];
  const deliveryTimes: number[] = [];
  const lostEventIds: string[] = [];
  const duplicateDetails: ScenarioMetrics['duplicateDetails'] = [];
  const byProvider: Record<string, number> = {};
  const fallbackReasons: Record<string, number> = {};
  let answeredInWindow = 0;
  let accepted = 0;
  let deliveredBeforeExpiry = 0;
  let lost = 0;
  let reportedFailed = 0;
  let duplicates = 0;
  let sentAfterFallback = 0;
  let deliveredAfterExpiry = 0;
  let wrongCode = 0;
  let resentAfterReceipt = 0;
  let ledgerAsked = 0;
  let ledgerAnswered = 0;

  for (const hook of hooks) {
    const kind = answerKind(hook);
    answers[kind]++;
    if (hook.phase === 'fault') faultAnswers[kind]++;
    if (kind === 'fallback') {
      const reason = hook.error ?? String(hook.httpStatus ?? 'none');
      fallbackReasons[reason] = (fallbackReasons[reason] ?? 0) + 1;
    }
    if (hook.httpStatus !== undefined && hook.latencyMs !== undefined) {
      latencies.push(hook.latencyMs);
      if (hook.latencyMs <= OKTA_WINDOW_MS) answeredInWindow++;
    }
    const mine = byPhone.get(digitsOf(hook.phone)) ?? [];
    const reached = mine.filter(reachedPerson);
    for (const delivery of reached) byProvider[delivery.provider] = (byProvider[delivery.provider] ?? 0) + 1;
    if (reached.some((d) => d.receivedAt <= hook.expiresAt)) deliveredBeforeExpiry++;
    const firstArrival = reached[0];
    if (firstArrival) deliveryTimes.push(Math.max(0, firstArrival.receivedAt - hook.sentAt));
    deliveredAfterExpiry += mine.filter((d) => d.receivedAt > hook.expiresAt).length;
    wrongCode += mine.filter((d) => d.text !== '' && !digitsOf(d.text).includes(hook.otp)).length;
    const firstReached = mine.findIndex(reachedPerson);
    if (firstReached > 0) resentAfterReceipt++;

    const extra =
      kind === 'fallback' ? reached.length : kind === 'FAILED' ? 0 : Math.max(0, reached.length - 1);
    if (extra > 0) {
      duplicateDetails.push({
        eventId: hook.eventId,
        channel: hook.channel,
        answer: kind,
        providers: mine.map((d) => `${d.provider}:${d.status}`),
        gapsMs: mine.slice(1).map((d, i) => d.receivedAt - (mine[i]?.receivedAt ?? d.receivedAt)),
      });
    }
    duplicates += extra;
    if (kind === 'fallback') {
      sentAfterFallback += reached.length;
      continue;
    }
    if (kind === 'FAILED') continue;
    accepted++;
    if (reached.length > 0) continue;
    const verdict = ledger.get(hook.eventId);
    if (verdict !== undefined) {
      ledgerAsked++;
      if (verdict !== 'unavailable') ledgerAnswered++;
    }
    if (verdict !== undefined && REPORTED_FAILED.has(verdict)) reportedFailed++;
    else {
      lost++;
      lostEventIds.push(hook.eventId);
    }
  }

  latencies.sort((a, b) => a - b);
  deliveryTimes.sort((a, b) => a - b);
  return {
    hooks: hooks.length,
    answeredInWindow,
    inWindowPct: hooks.length === 0 ? 100 : round1((answeredInWindow / hooks.length) * 100),
    p50Ms: roundOrNull(percentile(latencies, 50)),
    p99Ms: roundOrNull(percentile(latencies, 99)),
    maxMs: roundOrNull(latencies.at(-1) ?? null),
    answers,
    fallbackReasons,
    faultAnswers,
    accepted,
    deliveryP50Ms: roundOrNull(percentile(deliveryTimes, 50)),
    deliveryP99Ms: roundOrNull(percentile(deliveryTimes, 99)),
    deliveryMaxMs: roundOrNull(deliveryTimes.at(-1) ?? null),
    deliveredBeforeExpiry,
    lost,
    lostEventIds,
    reportedFailed,
    ledger:
      ledgerAsked === 0
        ? 'not-needed'
        : ledgerAnswered === ledgerAsked
          ? 'available'
          : ledgerAnswered === 0
            ? 'unavailable'
            : 'partial',
    duplicates,
    duplicateDetails,
    sentAfterFallback,
    deliveredAfterExpiry,
    wrongCode,
    resentAfterReceipt,
    byProvider,
    rerouteMs: rerouteMs(input, byPhone),
    fallbackWindowMs: fallbackWindowMs(input.hooks),
    recoveryMs: recoveryMs(input, byPhone),
    inFlightAtFault:
      hooks.filter(
        (h) => h.sentAt <= timeline.faultAt && (h.doneAt ?? Number.POSITIVE_INFINITY) > timeline.faultAt,
      ).length +
      deliveries.filter((d) => d.receivedAt <= timeline.faultAt && d.receivedAt > timeline.faultAt - 500)
        .length,
  };
}

function fallbackWindowMs(hooks: readonly HookRecord[]): number {
  const fallbacks = hooks.filter((h) => answerKind(h) === 'fallback');
  if (fallbacks.length === 0) return 0;
  const first = Math.min(...fallbacks.map((h) => h.sentAt));
  const last = Math.max(...fallbacks.map((h) => h.doneAt ?? h.sentAt));
  return Math.round(last - first);
}

function rerouteMs(input: MetricsInput, byPhone: ReadonlyMap<string, ProviderDelivery[]>): number | null {
  const { faultAt } = input.timeline;
  let first: number | null = null;
  if (input.reroute === 'backup') {
    for (const delivery of input.deliveries) {
      if (delivery.provider === input.primary || delivery.receivedAt < faultAt) continue;
      if (first === null || delivery.receivedAt < first) first = delivery.receivedAt;
    }
  } else {
    for (const hook of input.hooks) {
      if (hook.sentAt < faultAt) continue;
      for (const delivery of byPhone.get(digitsOf(hook.phone)) ?? []) {
        if (first === null || delivery.receivedAt < first) first = delivery.receivedAt;
      }
    }
  }
  return first === null ? null : Math.max(0, first - faultAt);
}

function recoveryMs(input: MetricsInput, byPhone: ReadonlyMap<string, ProviderDelivery[]>): number | null {
  const { clearAt } = input.timeline;
  const first = primaryBackAt(input.hooks, byPhone, clearAt, input.primary);
  return first === null ? null : Math.max(0, first - clearAt);
}

/**
 * When the primary took traffic again after the fault was lifted: the earliest first delivery, by the primary and
 * reaching the person, of a code sent after `clearAt` and answered SUCCESSFUL; null when none (yet).
 */
function primaryBackAt(
  hooks: readonly HookRecord[],
  byPhone: ReadonlyMap<string, ProviderDelivery[]>,
  clearAt: number,
  primary: string,
): number | null {
  let first: number | null = null;
  for (const hook of hooks) {
    if (hook.sentAt < clearAt || answerKind(hook) !== 'SUCCESSFUL') continue;
    const delivery = (byPhone.get(digitsOf(hook.phone)) ?? [])[0];
    if (!delivery || delivery.provider !== primary || !reachedPerson(delivery)) continue;
    if (first === null || delivery.receivedAt < first) first = delivery.receivedAt;
  }
  return first;
}

/**
 * Whether every tenant's codes go through the primary again after the fault was lifted, as `fault lifted →
 * recovery` measures it (per tenant: each has its own breakers). Tenant undefined: the single-org system.
 */
export function primaryBackForAll(
  hooks: readonly HookRecord[],
  deliveries: readonly ProviderDelivery[],
  clearAt: number,
  primary: string,
  tenants: readonly (string | undefined)[],
): boolean {
  const byPhone = deliveriesByPhone(deliveries);
  return tenants.every(
    (tenant) =>
      primaryBackAt(
        hooks.filter((h) => h.tenant === tenant),
        byPhone,
        clearAt,
        primary,
      ) !== null,
  );
}

/** Each phone number's provider records, earliest first. */
function deliveriesByPhone(deliveries: readonly ProviderDelivery[]): Map<string, ProviderDelivery[]> {
  const byPhone = new Map<string, ProviderDelivery[]>();
  for (const delivery of [...deliveries].sort((a, b) => a.receivedAt - b.receivedAt)) {
    const key = digitsOf(delivery.to);
    const list = byPhone.get(key);
    if (list) list.push(delivery);
    else byPhone.set(key, [delivery]);
  }
  return byPhone;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}

/**
 * What a drill still waits for before judging: accepted hooks whose code has not reached the person yet, and
 * provider records of this drill's hooks still without a final status (a receipt may yet say "undelivered" and
 * cause a resend).
 */
export function outstanding(hooks: readonly HookRecord[], deliveries: readonly ProviderDelivery[]): number {
  const phones = new Map(hooks.map((h) => [digitsOf(h.phone), h]));
  const reached = new Set<string>();
  let unsettled = 0;
  for (const delivery of deliveries) {
    const key = digitsOf(delivery.to);
    if (!phones.has(key)) continue;
    if (verdictOf(delivery) === 'progress') unsettled++;
    if (reachedPerson(delivery)) reached.add(key);
  }
  const waiting = hooks.filter((h) => {
    const kind = answerKind(h);
    return (kind === 'SUCCESSFUL' || kind === 'PENDING') && !reached.has(digitsOf(h.phone));
  }).length;
  return waiting + unsettled;
}
