import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Remembers what may be used once (a client assertion's `jti`) until it could no longer be used anyway. */
export interface ReplayGuard {
  /** True the first time (and remembers it until `expiresAtMs`); false if it was seen before. Throws if unsure. */
  firstUse(tenantId: string, clientId: string, jti: string, expiresAtMs: number): Promise<boolean>;
}

/**
 * In Redis, shared by every replica: `SET … NX PX`, atomic, so two replicas given the same assertion at once
 * cannot both accept it. The key is a digest (a jti is the client's choice of string); it expires with the
 * assertion, so the memory is bounded by the assertions' short lifetime.
 */
export class RedisReplayGuard implements ReplayGuard {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => number;
  /** prefix: the keyspace's (e.g. `byot`), keys are `{prefix}:oauth:{tenant}:jti:{digest}`. */
  constructor(redis: Redis, prefix: string, now: () => number = Date.now) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#now = now;
  }

  async firstUse(tenantId: string, clientId: string, jti: string, expiresAtMs: number): Promise<boolean> {
    const digest = createHash('sha256').update(`${clientId}\u0000${jti}`, 'utf8').digest('base64url');
    const ttlMs = Math.max(1_000, Math.ceil(expiresAtMs - this.#now()));
    const set = await this.#redis.set(
      `${this.#prefix}:oauth:${tenantId}:jti:${digest}`,
      '1',
      'PX',
      ttlMs,
      'NX',
    );
    return set === 'OK';
  }
}
