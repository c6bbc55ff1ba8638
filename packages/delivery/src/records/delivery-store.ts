import type { DeliveryOutcome, SendJob, StatusEvent } from '@byot/contracts';
import { defineScript, type Keyspace, type LuaScript } from '@byot/redis';
import type { Redis } from 'ioredis';
import { type AttemptEntry, type AttemptRef, MAX_HISTORY, receiptArgs } from './attempt-ledger.ts';
import {
  type DeliveryMeta,
  type DeliveryRecord,
  parseRecord,
  type RouteExclusions,
} from './delivery-record.ts';
import {
  APPLY_RECEIPT,
  BEGIN_ATTEMPT,
  LOG_ATTEMPT,
  MARK_BLOCKED,
  MARK_FALLBACK,
  MARK_RETRYING,
  REOPEN_FOR_RESEND,
  SETTLE,
  SETTLE_ACCEPTED,
} from './record-scripts.ts';

export type BeginDecision =
  | { decision: 'go'; attempt: number; previousState: string; exclusions?: RouteExclusions }
  | { decision: 'busy'; retryInMs: number }
  | { decision: 'settled'; state: string; outcome: DeliveryOutcome | undefined };

/** The fields of the settle step (record-scripts.ts SETTLE_STEP). */
interface SettleArgs {
  now: number;
  state: 'accepted' | 'failed' | 'expired';
  outcome: string;
  outcomesChannel: string;
  eventId: string;
  provider: string | undefined;
  providerMessageId: string | undefined;
  reason: string | undefined;
  expireAt: number;
}

/** Every script of the record, typed by its argument table and its reply (see record-scripts.ts). */
interface RecordScripts {
  begin: LuaScript<
    DeliveryMeta & { now: number; expireAt: number; provider: string; staleAfterMs: number },
    [string, string, string, string, string | undefined]
  >;
  settle: LuaScript<SettleArgs, [number, string]>;
  settleAccepted: LuaScript<
    SettleArgs & {
      attempt: string;
      job: string;
      resendUntil: number | undefined;
      hookReceivedAt: number;
      traceparent: string | undefined;
    },
    [number, string, number]
  >;
  logAttempt: LuaScript<{ entry: string; expireAt: number }, number>;
  receipt: LuaScript<
    {
      index: number;
      status: string;
      raw: string;
      code: string | undefined;
      at: number;
      receivedAt: number;
      seq: number | undefined;
      rank: number;
      verdict: string;
      provider: string;
      channel: string;
      maxHistory: number;
    },
    string[]
  >;
  reopen: LuaScript<
    {
      providerMessageId: string;
      now: number;
      minUsefulMs: number;
      channel: string;
      provider: string;
      numberBad: boolean;
      suggestsVoice: boolean;
      reason: string;
    },
    [string, string]
  >;
  retrying: LuaScript<{ now: number; reason: string; nextAttemptAt: number }, number>;
  fallback: LuaScript<{ now: number; outcome: string; eventId: string; expireAt: number }, string>;
  blocked: LuaScript<
    DeliveryMeta & { now: number; expireAt: number; rule: string; reason: string; outcome: string },
    string
  >;
}

/**
 * The delivery records. Every mutation is a Lua script (record-scripts.ts): the store is the single place that
 * decides whether a send may start, and it announces every settled outcome to the ingress instances.
 */
export class DeliveryStore {
  readonly #redis: Redis;
  readonly #keyspace: Keyspace;
  readonly #retentionMs: number;
  readonly #scripts: RecordScripts;

  /** @param retentionMs how long a record is kept after the OTP expires (it holds no secrets). */
  constructor(redis: Redis, keyspace: Keyspace, retentionMs: number) {
    this.#redis = redis;
    this.#keyspace = keyspace;
    this.#retentionMs = retentionMs;
    this.#scripts = {
      begin: defineScript(redis, 'byotBeginAttempt', BEGIN_ATTEMPT),
      settle: defineScript(redis, 'byotSettle', SETTLE),
      settleAccepted: defineScript(redis, 'byotSettleAccepted', SETTLE_ACCEPTED),
      logAttempt: defineScript(redis, 'byotLogAttempt', LOG_ATTEMPT),
      receipt: defineScript(redis, 'byotApplyReceipt', APPLY_RECEIPT),
      reopen: defineScript(redis, 'byotReopenForResend', REOPEN_FOR_RESEND),
      retrying: defineScript(redis, 'byotMarkRetrying', MARK_RETRYING),
      fallback: defineScript(redis, 'byotMarkFallback', MARK_FALLBACK),
      blocked: defineScript(redis, 'byotMarkBlocked', MARK_BLOCKED),
    };
  }

  #expireAt(otpExpiresAt: number): number {
    return Math.max(otpExpiresAt, Date.now()) + this.#retentionMs;
  }

  /** The settle step's fields for an outcome. */
  #settleArgs(outcome: DeliveryOutcome, state: SettleArgs['state'], otpExpiresAt: number): SettleArgs {
    return {
      now: Date.now(),
      state,
      outcome: JSON.stringify(outcome),
      outcomesChannel: this.#keyspace.outcomesChannel,
      eventId: outcome.eventId,
      provider: outcome.kind === 'fallback' ? undefined : outcome.provider || undefined,
      providerMessageId: (outcome.kind === 'accepted' && outcome.providerMessageId) || undefined,
      reason: (outcome.kind !== 'accepted' && outcome.reason) || undefined,
      expireAt: this.#expireAt(otpExpiresAt),
    };
  }

  /**
   * Decides atomically whether an attempt may start. `staleAfterMs` is how long an attempt in progress is trusted
   * to be alive (longer than a provider call can take, shorter than BullMQ's lock), so a job processed twice at
   * once waits instead of sending twice, while a job whose worker died is resumed.
   */
  async beginAttempt(
    meta: DeliveryMeta,
    provider: string,
    staleAfterMs: number,
    now = Date.now(),
  ): Promise<BeginDecision> {
    const [decision, state, attempts, outcomeJson, exclusionsJson] = await this.#scripts.begin(
      [this.#keyspace.delivery(meta.eventId)],
      {
        now,
        expireAt: this.#expireAt(meta.otpExpiresAt),
        eventId: meta.eventId,
        deliveryId: meta.deliveryId,
        channel: meta.channel,
        requestType: meta.requestType,
        phoneMasked: meta.phoneMasked,
        otpExpiresAt: meta.otpExpiresAt,
        provider,
        staleAfterMs,
      },
    );
    if (decision === 'busy') return { decision, retryInMs: Number(outcomeJson) };
    if (decision === 'settled') {
      return {
        decision,
        state,
        outcome: outcomeJson ? (JSON.parse(outcomeJson) as DeliveryOutcome) : undefined,
      };
    }
    return {
      decision: 'go',
      attempt: Number(attempts),
      previousState: state,
      ...(exclusionsJson ? { exclusions: JSON.parse(exclusionsJson) as RouteExclusions } : {}),
    };
  }

  /** Settles the record and announces the outcome. Returns the outcome in force (an earlier one wins). */
  async settle(
    outcome: DeliveryOutcome,
    state: 'accepted' | 'failed' | 'expired',
    otpExpiresAt: number,
  ): Promise<{ applied: boolean; outcome: DeliveryOutcome }> {
    const [applied, inForce] = await this.#scripts.settle(
      [this.#keyspace.delivery(outcome.eventId)],
      this.#settleArgs(outcome, state, otpExpiresAt),
    );
    return { applied: applied === 1, outcome: inForce ? (JSON.parse(inForce) as DeliveryOutcome) : outcome };
  }

  /**
   * A provider accepted the code: settles the record and, in the same step, writes the ledger entry, the
   * provider-message index (how its status callbacks find this delivery) and the sealed job for a receipt-driven
   * resend (expiring with the OTP) unless `keepForResend` is false (nothing would be tried after this route).
   */
  async settleAccepted(
    outcome: Extract<DeliveryOutcome, { kind: 'accepted' }>,
    job: SendJob,
    attempt: AttemptEntry,
    keepForResend = true,
  ): Promise<{ applied: boolean; outcome: DeliveryOutcome; index: number }> {
    const settleArgs = this.#settleArgs(outcome, 'accepted', job.otpExpiresAt);
    const indexKey = this.#keyspace.providerMessage(outcome.provider, outcome.providerMessageId);
    // On a Cluster the index is in another slot than the delivery: written just after the script instead. A
    // callback arriving in between finds no delivery yet and is retried (ReceiptTooEarly), as one that beats the
    // script is.
    const indexInScript = this.#keyspace.layout !== 'cluster';
    const traceparent = traceparentOf(job);
    const [applied, inForce, index] = await this.#scripts.settleAccepted(
      [
        this.#keyspace.delivery(outcome.eventId),
        this.#keyspace.attempts(outcome.eventId),
        this.#keyspace.resend(outcome.eventId),
        ...(indexInScript ? [indexKey] : []),
      ],
      {
        ...settleArgs,
        attempt: JSON.stringify(attempt),
        job: JSON.stringify(job),
        resendUntil: keepForResend ? job.otpExpiresAt : undefined,
        hookReceivedAt: job.receivedAt,
        // W3C traceparent is [0-9a-f-]: safe as the index value's last space-separated field.
        traceparent,
      },
    );
    if (!indexInScript) {
      const ref = `${outcome.eventId} ${index}${traceparent === undefined ? '' : ` ${traceparent}`}`;
      await this.#redis.set(indexKey, ref, 'PXAT', settleArgs.expireAt);
    }
    return {
      applied: applied === 1,
      outcome: inForce ? (JSON.parse(inForce) as DeliveryOutcome) : outcome,
      index: Number(index),
    };
  }

  /** Records an attempt that no provider accepted (refused, failed, timed out). */
  async logAttempt(eventId: string, otpExpiresAt: number, attempt: AttemptEntry): Promise<void> {
    await this.#scripts.logAttempt([this.#keyspace.attempts(eventId)], {
      entry: JSON.stringify(attempt),
      expireAt: this.#expireAt(otpExpiresAt),
    });
  }

  /** Which delivery and attempt a provider's message id belongs to (undefined: not ours, or not recorded yet). */
  async findByProviderMessage(provider: string, providerMessageId: string): Promise<AttemptRef | undefined> {
    const value = await this.#redis.get(this.#keyspace.providerMessage(provider, providerMessageId));
    const match = value ? /^(\S+) (\d+)(?: ([0-9a-f-]+))?$/.exec(value) : null;
    if (!match) return undefined;
    return {
      eventId: match[1] as string,
      index: Number(match[2]),
      ...(match[3] ? { trace: { traceparent: match[3] } } : {}),
    };
  }

  /** Records a status report (or our own "no receipt in time" verdict) against its attempt. */
  async applyReceipt(
    ref: AttemptRef,
    event: Pick<StatusEvent, 'status' | 'rawStatus' | 'errorCode' | 'occurredAt' | 'receivedAt' | 'sequence'>,
    attempt: { provider: string; channel: string },
    verdictOverride?: 'no-receipt',
  ): Promise<ReceiptApplication> {
    const { verdict, rank } = receiptArgs(event);
    const reply = await this.#scripts.receipt(
      [
        this.#keyspace.delivery(ref.eventId),
        this.#keyspace.attempts(ref.eventId),
        this.#keyspace.resend(ref.eventId),
      ],
      {
        index: ref.index,
        status: verdictOverride ?? event.status,
        raw: event.rawStatus,
        code: event.errorCode,
        at: event.occurredAt,
        receivedAt: event.receivedAt,
        seq: event.sequence,
        rank: verdictOverride ? 0 : rank,
        verdict: verdictOverride ?? verdict,
        provider: attempt.provider,
        channel: attempt.channel,
        maxHistory: MAX_HISTORY,
      },
    );
    const [outcome, attemptVerdict, first, state, currentId, hookReceivedAt, deliveredAt, credentialSet] =
      reply;
    if (outcome === 'missing') return { outcome: 'missing' };
    return {
      outcome: outcome as 'applied' | 'stale' | 'duplicate',
      verdict: (attemptVerdict || undefined) as AttemptEntry['verdict'],
      firstDelivery: Number(first) === 1,
      state: state ?? '',
      currentProviderMessageId: currentId ?? '',
      ...(hookReceivedAt ? { hookReceivedAt: Number(hookReceivedAt) } : {}),
      ...(deliveredAt ? { deliveredAt: Number(deliveredAt) } : {}),
      ...(credentialSet ? { credentialSet } : {}),
    };
  }

  /**
   * Reopens an accepted delivery whose receipt said undelivered, ruling out the provider (or, when the number
   * itself is bad, the whole channel), and hands back the sealed job to send again.
   */
  async reopenForResend(
    eventId: string,
    failed: { provider: string; channel: string; providerMessageId: string },
    policy: { minUsefulMs: number; numberBad: boolean; suggestsVoice: boolean; reason: string },
    now = Date.now(),
  ): Promise<
    | { decision: 'reroute'; job: SendJob; repeat: boolean }
    | { decision: 'not-current' | 'delivered' | 'too-late' | 'no-payload' }
  > {
    const [decision, job] = await this.#scripts.reopen(
      [this.#keyspace.delivery(eventId), this.#keyspace.resend(eventId)],
      {
        providerMessageId: failed.providerMessageId,
        now,
        minUsefulMs: policy.minUsefulMs,
        channel: failed.channel,
        provider: failed.provider,
        numberBad: policy.numberBad,
        suggestsVoice: policy.suggestsVoice,
        reason: policy.reason,
      },
    );
    if (decision === 'reroute' || decision === 'again')
      return { decision: 'reroute', job: JSON.parse(job) as SendJob, repeat: decision === 'again' };
    return { decision: decision as 'not-current' | 'delivered' | 'too-late' | 'no-payload' };
  }

  /** The record and its attempts, for the delivery lookup. */
  async getLedger(
    eventId: string,
  ): Promise<{ record: DeliveryRecord; attempts: AttemptEntry[] } | undefined> {
    const [hash, entries] = await Promise.all([
      this.#redis.hgetall(this.#keyspace.delivery(eventId)),
      this.#redis.lrange(this.#keyspace.attempts(eventId), 0, -1),
    ]);
    const record = parseRecord(hash);
    if (!record) return undefined;
    return { record, attempts: entries.map((e) => JSON.parse(e) as AttemptEntry) };
  }

  /** Announces an already settled outcome again (for a duplicate hook waiting on it). */
  async announce(outcome: DeliveryOutcome): Promise<void> {
    await this.#redis.publish(this.#keyspace.outcomesChannel, JSON.stringify(outcome));
  }

  async markRetrying(eventId: string, reason: string, nextAttemptAt: number): Promise<boolean> {
    const applied = await this.#scripts.retrying([this.#keyspace.delivery(eventId)], {
      now: Date.now(),
      reason,
      nextAttemptAt,
    });
    return applied === 1;
  }

  /**
   * Records that Okta was told to fall back to its own providers. Returns the record's state: 'fallback' when the
   * tombstone is in place, or the state that prevented it (a worker already sending or done).
   */
  async markFallback(eventId: string, reason: string, otpExpiresAt: number): Promise<string> {
    const outcome: DeliveryOutcome = { kind: 'fallback', eventId, reason, at: Date.now() };
    return this.#scripts.fallback([this.#keyspace.delivery(eventId)], {
      now: Date.now(),
      outcome: JSON.stringify(outcome),
      eventId,
      expireAt: this.#expireAt(otpExpiresAt),
    });
  }

  /**
   * Records that the fraud controls refused this code (`rule`, and `reason` as Okta was told it), so the ledger
   * can say why; the record is settled, so nothing ever sends it. Returns the record's state: 'blocked', or what an
   * earlier record of the same eventId already said.
   */
  async recordBlock(meta: DeliveryMeta, rule: string, reason: string, at = Date.now()): Promise<string> {
    const outcome: DeliveryOutcome = { kind: 'failed', eventId: meta.eventId, reason, at };
    return this.#scripts.blocked([this.#keyspace.delivery(meta.eventId)], {
      ...meta,
      now: at,
      expireAt: this.#expireAt(meta.otpExpiresAt),
      rule,
      reason,
      outcome: JSON.stringify(outcome),
    });
  }

  async get(eventId: string): Promise<DeliveryRecord | undefined> {
    return parseRecord(await this.#redis.hgetall(this.#keyspace.delivery(eventId)));
  }

  /** The settled outcome, if any: one HGET, cheap enough for the hook path. */
  async getOutcome(eventId: string): Promise<DeliveryOutcome | undefined> {
    const json = await this.#redis.hget(this.#keyspace.delivery(eventId), 'outcome');
    return json ? (JSON.parse(json) as DeliveryOutcome) : undefined;
  }
}

export type ReceiptApplication =
  | { outcome: 'missing' }
  | {
      outcome: 'applied' | 'stale' | 'duplicate';
      /** The attempt's verdict after this report. */
      verdict: AttemptEntry['verdict'];
      /** This report is the OTP's first confirmed delivery. */
      firstDelivery: boolean;
      state: string;
      currentProviderMessageId: string;
      hookReceivedAt?: number;
      deliveredAt?: number;
      /** The account that sent the attempt (AttemptEntry.credentialSet); absent for the default tenant's. */
      credentialSet?: string;
    };

/** The hook's traceparent when well-formed (W3C: [0-9a-f-]), safe as the index value's last field. */
function traceparentOf(job: SendJob): string | undefined {
  const value = job.trace?.traceparent ?? '';
  return /^[0-9a-f-]{1,64}$/.test(value) ? value : undefined;
}
