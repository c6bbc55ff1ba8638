import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';

export interface ThrottleLimit {
  /** Failures that block the key (at least 2): the attempt after the last allowed one is refused unread. */
  failures: number;
  /** Window the failures are counted in (seconds). */
  windowSeconds: number;
  /** How long a key stays blocked once over the limit (seconds). */
  blockSeconds: number;
}

export interface FailureThrottleSettings {
  /** The connection every replica shares: a failure counted by one is seen by all. */
  redis: Redis;
  /** Redis key prefix, e.g. `byot:throttle:oauth:default`. */
  keyPrefix: string;
  /** Per source address: an attacker guessing from one place, whichever client id it names. */
  perSource: ThrottleLimit;
  /**
   * Per credential holder (a client id, the admin token): guessing from many places. Consecutive failures — a
   * success resets them — so an attacker can slow a client down but not lock out the real one for long.
   */
  perClient: ThrottleLimit;
}

export type ThrottleDecision =
  /** clientFailures: the client's failures so far (a success need not reset a count of zero). */
  | { blocked: false; clientFailures: number }
  | { blocked: true; retryAfterSeconds: number; by: 'source' | 'client' };

/** Defaults for OAuth clients and the admin token: generous for a person mistyping, hopeless for guessing. */
export const DEFAULT_FAILURE_LIMITS = {
  perSource: { failures: 20, windowSeconds: 900, blockSeconds: 900 },
  perClient: { failures: 50, windowSeconds: 900, blockSeconds: 300 },
} satisfies Pick<FailureThrottleSettings, 'perSource' | 'perClient'>;

/**
 * Throttles failed authentication (OAuth client credentials, the admin token) per source address and per claimed
 * client, in Redis so every replica counts together (rate-limiter-flexible; its atomic Lua increment). While Redis
 * is unreachable each replica counts in memory instead: throttling degrades, authentication does not stop.
 * Only failures are counted, so Okta's own calls never use up anything. Keys are SHA-256 digests: a client id an
 * attacker invents neither grows a key nor lands in Redis verbatim.
 */
export class FailureThrottle {
  readonly #bySource: RateLimiterRedis;
  readonly #byClient: RateLimiterRedis;
  readonly #limits: { source: ThrottleLimit; client: ThrottleLimit };

  constructor(settings: FailureThrottleSettings) {
    this.#limits = { source: settings.perSource, client: settings.perClient };
    this.#bySource = limiter(settings.redis, `${settings.keyPrefix}:source`, settings.perSource);
    this.#byClient = limiter(settings.redis, `${settings.keyPrefix}:client`, settings.perClient);
  }

  /** Blocked when either the source or the client has used up its failures. */
  async check(source: string, client: string | undefined): Promise<ThrottleDecision> {
    const [bySource, byClient] = await Promise.all([
      this.#bySource.get(key(source)),
      client === undefined ? null : this.#byClient.get(key(client)),
    ]);
    for (const [res, limit, by] of [
      [bySource, this.#limits.source, 'source'],
      [byClient, this.#limits.client, 'client'],
    ] as const) {
      if (res && res.consumedPoints >= limit.failures) {
        return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)), by };
      }
    }
    return { blocked: false, clientFailures: byClient?.consumedPoints ?? 0 };
  }

  async recordFailure(source: string, client: string | undefined): Promise<void> {
    await Promise.all([
      this.#bySource.consume(key(source)).catch(overLimit),
      client === undefined ? undefined : this.#byClient.consume(key(client)).catch(overLimit),
    ]);
  }

  /** The client proved itself: its consecutive failures start again from zero (the source's do not). */
  async recordSuccess(client: string): Promise<void> {
    await this.#byClient.delete(key(client)).catch(() => undefined);
  }
}

function limiter(redis: Redis, keyPrefix: string, limit: ThrottleLimit): RateLimiterRedis {
  // points + 1 consumptions cross the limit and set the block: so the `failures`-th failure is the one that blocks.
  const shape = {
    points: Math.max(1, limit.failures - 1),
    duration: limit.windowSeconds,
    blockDuration: limit.blockSeconds,
  };
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    ...shape,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix, ...shape }),
  });
}

function key(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url').slice(0, 32);
}

/** consume() rejects with a RateLimiterRes once over the limit: that is the block being set, not an error. */
function overLimit(reason: unknown): RateLimiterRes | undefined {
  if (reason instanceof Error) throw reason;
  return reason as RateLimiterRes;
}
