import type { DeliveryOutcome } from '@byot/contracts';
import type { Keyspace } from '@byot/redis';
import type { Redis } from 'ioredis';
import { type DeliveryMeta, type DeliveryRecord, parseRecord } from './record.ts';
import { BEGIN_ATTEMPT, MARK_FALLBACK, MARK_RETRYING, SETTLE } from './scripts.ts';

export type BeginDecision =
  | { decision: 'go'; attempt: number; previousState: string }
  | { decision: 'busy'; retryInMs: number }
  | { decision: 'settled'; state: string; outcome: DeliveryOutcome | undefined };

type ScriptRunner = (keys: number, ...args: (string | number)[]) => Promise<unknown>;

/**
 * The delivery records. Every mutation is a Lua script (see scripts.ts): the store is the single place that
 * decides whether a send may start, and it announces every settled outcome to the ingress instances.
 */
export class DeliveryStore {
  readonly #redis: Redis;
  readonly #keyspace: Keyspace;
  readonly #retentionMs: number;
  readonly #scripts: Record<'begin' | 'settle' | 'retrying' | 'fallback', ScriptRunner>;

  /** @param retentionMs how long a record is kept after the OTP expires (it holds no secrets). */
  constructor(redis: Redis, keyspace: Keyspace, retentionMs: number) {
    this.#redis = redis;
    this.#keyspace = keyspace;
    this.#retentionMs = retentionMs;
    const define = (name: string, lua: string): ScriptRunner => {
      redis.defineCommand(name, { lua });
      const fn = (redis as unknown as Record<string, ScriptRunner>)[name];
      if (!fn) throw new Error(`could not define Redis script ${name}`);
      return fn.bind(redis);
    };
    this.#scripts = {
      begin: define('byotBeginAttempt', BEGIN_ATTEMPT),
      settle: define('byotSettle', SETTLE),
      retrying: define('byotMarkRetrying', MARK_RETRYING),
      fallback: define('byotMarkFallback', MARK_FALLBACK),
    };
  }

  #expireAt(otpExpiresAt: number): number {
    return Math.max(otpExpiresAt, Date.now()) + this.#retentionMs;
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
    const reply = (await this.#scripts.begin(
      1,
      this.#keyspace.delivery(meta.eventId),
      now,
      this.#expireAt(meta.otpExpiresAt),
      meta.eventId,
      meta.deliveryId,
      meta.channel,
      meta.requestType,
      meta.phoneMasked,
      meta.otpExpiresAt,
      provider,
      staleAfterMs,
    )) as [string, string, string, string];
    const [decision, state, attempts, outcomeJson] = reply;
    if (decision === 'busy') return { decision, retryInMs: Number(outcomeJson) };
    if (decision === 'settled') {
      return {
        decision,
        state,
        outcome: outcomeJson ? (JSON.parse(outcomeJson) as DeliveryOutcome) : undefined,
      };
    }
    return { decision: 'go', attempt: Number(attempts), previousState: state };
  }

  /** Settles the record and announces the outcome. Returns the outcome in force (an earlier one wins). */
  async settle(
    outcome: DeliveryOutcome,
    state: 'accepted' | 'failed' | 'expired',
    otpExpiresAt: number,
  ): Promise<{ applied: boolean; outcome: DeliveryOutcome }> {
    const json = JSON.stringify(outcome);
    const [applied, inForce] = (await this.#scripts.settle(
      1,
      this.#keyspace.delivery(outcome.eventId),
      Date.now(),
      state,
      json,
      this.#keyspace.outcomesChannel,
      outcome.eventId,
      outcome.kind === 'accepted' ? outcome.provider : (outcome.kind === 'failed' && outcome.provider) || '',
      outcome.kind === 'accepted' ? outcome.providerMessageId : '',
      outcome.kind === 'accepted' ? '' : outcome.reason,
      this.#expireAt(otpExpiresAt),
    )) as [number, string];
    return { applied: applied === 1, outcome: inForce ? (JSON.parse(inForce) as DeliveryOutcome) : outcome };
  }

  /** Announces an already settled outcome again (for a duplicate hook waiting on it). */
  async announce(outcome: DeliveryOutcome): Promise<void> {
    await this.#redis.publish(this.#keyspace.outcomesChannel, JSON.stringify(outcome));
  }

  async markRetrying(eventId: string, reason: string, nextAttemptAt: number): Promise<boolean> {
    const applied = await this.#scripts.retrying(
      1,
      this.#keyspace.delivery(eventId),
      Date.now(),
      reason,
      nextAttemptAt,
    );
    return applied === 1;
  }

  /**
   * Records that Okta was told to fall back to its own providers. Returns the record's state: 'fallback' when the
   * tombstone is in place, or the state that prevented it (a worker already sending or done).
   */
  async markFallback(eventId: string, reason: string, otpExpiresAt: number): Promise<string> {
    const outcome: DeliveryOutcome = { kind: 'fallback', eventId, reason, at: Date.now() };
    return (await this.#scripts.fallback(
      1,
      this.#keyspace.delivery(eventId),
      Date.now(),
      JSON.stringify(outcome),
      eventId,
      this.#expireAt(otpExpiresAt),
    )) as string;
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
