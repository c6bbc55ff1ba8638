import { defineScript, type Keyspace, type LuaScript, UNPACK_ARGS } from '@byot/redis';
import type { Redis } from 'ioredis';

/**
 * A circuit breaker per provider, channel and credential set (issue 13: the account a tenant sends with), with its state in Redis so every worker replica sees the same:
 * when one replica's calls keep failing, all of them stop trying that provider for a cool-down, then let ONE
 * probe through; a probe that succeeds closes the breaker for everybody.
 *
 * Only provider-unavailable failures count (5xx, timeouts, refused connections, bad credentials): a bad number or
 * a throttle says nothing about the provider's health.
 *
 * The credential set is the last, optional argument of every method: absent, the breaker is the single-org
 * (`default` tenant's) one under today's key, so a rolling upgrade keeps its state; present, the keyspace gives
 * that account its own breaker.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';
export type BreakerDecision = 'allow' | 'probe' | 'skip';

/**
 * What one attempt's gate saw. `clean`: the breaker was closed with no failure counted, so a success right after
 * has nothing to reset and is not written (one Redis round trip less per send on the healthy path).
 */
export interface BreakerGate {
  decision: BreakerDecision;
  clean: boolean;
}

/** The gate of an attempt made without asking the breaker (every route open, tried anyway): its success is written. */
export const UNGATED: BreakerGate = { decision: 'allow', clean: false };

export interface BreakerSettings {
  /** Failures within `windowMs` that open the breaker. */
  failureThreshold: number;
  windowMs: number;
  /** How long an open breaker refuses traffic before a probe is let through. */
  cooldownMs: number;
  /** How long one probe may take before another worker may probe instead. */
  probeTimeoutMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  failureThreshold: 5,
  windowMs: 30_000,
  cooldownMs: 15_000,
  probeTimeoutMs: 10_000,
};

export interface BreakerSnapshot {
  provider: string;
  channel: string;
  credentialSet?: string;
  state: BreakerState;
  failures: number;
  openUntil: number | undefined;
}

/** KEYS[1] breaker hash. args: now, probeTimeoutMs. Returns {decision, state, failures}. */
const ALLOW = `
${UNPACK_ARGS}
local key = KEYS[1]
local state = redis.call('HGET', key, 'state') or 'closed'
if state == 'closed' then return {'allow', state, tonumber(redis.call('HGET', key, 'failures') or '0')} end
local openUntil = tonumber(redis.call('HGET', key, 'openUntil') or '0')
local probeUntil = tonumber(redis.call('HGET', key, 'probeUntil') or '0')
if args.now < openUntil or args.now < probeUntil then return {'skip', state} end
redis.call('HSET', key, 'state', 'half-open', 'probeUntil', args.now + args.probeTimeoutMs)
return {'probe', 'half-open', -1}
`;

/** KEYS[1]. args: now. Returns the previous state. */
const SUCCESS = `
${UNPACK_ARGS}
local key = KEYS[1]
local state = redis.call('HGET', key, 'state') or 'closed'
redis.call('HSET', key, 'state', 'closed', 'failures', 0, 'windowStart', args.now, 'openUntil', 0, 'probeUntil', 0)
return state
`;

/**
 * KEYS[1]. args: now, threshold, windowMs, cooldownMs. Returns {previousState, newState, failures}. The failure
 * window begins with the first failure after a reset (failures = 0), so the state a success leaves behind on a
 * closed breaker with no failures (its windowStart) makes no difference: that is what lets such a success go
 * unwritten (BreakerGate.clean).
 */
const FAILURE = `
${UNPACK_ARGS}
local key = KEYS[1]
local now = args.now
local state = redis.call('HGET', key, 'state') or 'closed'
local failures = tonumber(redis.call('HGET', key, 'failures') or '0')
local windowStart = tonumber(redis.call('HGET', key, 'windowStart') or '0')
if failures == 0 or now - windowStart > args.windowMs then
  failures = 0
  windowStart = now
end
failures = failures + 1
local newState = state
if state == 'half-open' or failures >= args.threshold then
  newState = 'open'
  redis.call('HSET', key, 'openUntil', now + args.cooldownMs, 'probeUntil', 0)
end
redis.call('HSET', key, 'state', newState, 'failures', failures, 'windowStart', windowStart)
return {state, newState, failures}
`;

export interface BreakerTransition {
  provider: string;
  channel: string;
  /** The account whose breaker it is; absent for the `default` tenant's. */
  credentialSet?: string;
  from: BreakerState;
  to: BreakerState;
  failures?: number;
}

export class CircuitBreakers {
  readonly #redis: Redis;
  readonly #keyspace: Keyspace;
  readonly #settings: BreakerSettings;
  readonly #run: {
    allow: LuaScript<{ now: number; probeTimeoutMs: number }, [BreakerDecision, BreakerState, number]>;
    success: LuaScript<{ now: number }, BreakerState>;
    failure: LuaScript<
      { now: number; threshold: number; windowMs: number; cooldownMs: number },
      [BreakerState, BreakerState, number]
    >;
  };
  readonly #onTransition: (transition: BreakerTransition) => void;

  constructor(
    redis: Redis,
    keyspace: Keyspace,
    settings: BreakerSettings = DEFAULT_BREAKER_SETTINGS,
    onTransition: (transition: BreakerTransition) => void = () => {},
  ) {
    this.#redis = redis;
    this.#keyspace = keyspace;
    this.#settings = settings;
    this.#onTransition = onTransition;
    this.#run = {
      allow: defineScript(redis, 'byotBreakerAllow', ALLOW),
      success: defineScript(redis, 'byotBreakerSuccess', SUCCESS),
      failure: defineScript(redis, 'byotBreakerFailure', FAILURE),
    };
  }

  async decide(
    provider: string,
    channel: string,
    now = Date.now(),
    credentialSet?: string,
  ): Promise<BreakerDecision> {
    return (await this.gate(provider, channel, now, credentialSet)).decision;
  }

  /** decide(), plus whether the breaker was clean (closed, no failures): hand it to recordSuccess. */
  async gate(
    provider: string,
    channel: string,
    now = Date.now(),
    credentialSet?: string,
  ): Promise<BreakerGate> {
    const key = this.#keyspace.breaker(provider, channel, credentialSet);
    const [decision, state, failures] = await this.#run.allow([key], {
      now,
      probeTimeoutMs: this.#settings.probeTimeoutMs,
    });
    if (decision === 'probe' && state === 'half-open') {
      this.#onTransition({ provider, channel, ...account(credentialSet), from: 'open', to: 'half-open' });
    }
    return { decision, clean: state === 'closed' && failures === 0 };
  }

  /**
   * A provider call succeeded (or a probe got an answer): close the breaker and clear its count. With the gate of
   * that call and the gate clean, there is nothing to clear and nothing is written. A failure another worker
   * counted in between then stands, as it would had its write come after ours.
   */
  async recordSuccess(
    provider: string,
    channel: string,
    now = Date.now(),
    credentialSet?: string,
    gate?: BreakerGate,
  ): Promise<void> {
    if (gate?.clean) return;
    const key = this.#keyspace.breaker(provider, channel, credentialSet);
    const previous = await this.#run.success([key], { now });
    if (previous !== 'closed') {
      this.#onTransition({ provider, channel, ...account(credentialSet), from: previous, to: 'closed' });
    }
  }

  async recordFailure(
    provider: string,
    channel: string,
    now = Date.now(),
    credentialSet?: string,
  ): Promise<BreakerState> {
    const [from, to, failures] = await this.#run.failure(
      [this.#keyspace.breaker(provider, channel, credentialSet)],
      {
        now,
        threshold: this.#settings.failureThreshold,
        windowMs: this.#settings.windowMs,
        cooldownMs: this.#settings.cooldownMs,
      },
    );
    if (from !== to || (from === 'open' && to === 'open' && failures === 1)) {
      this.#onTransition({ provider, channel, ...account(credentialSet), from, to, failures });
    }
    return to;
  }

  async snapshot(
    providers: { provider: string; channel: string; credentialSet?: string }[],
  ): Promise<BreakerSnapshot[]> {
    const pipeline = this.#redis.pipeline();
    for (const p of providers)
      pipeline.hmget(
        this.#keyspace.breaker(p.provider, p.channel, p.credentialSet),
        'state',
        'failures',
        'openUntil',
      );
    const results = (await pipeline.exec()) ?? [];
    return providers.map((p, i) => {
      const [state, failures, openUntil] = (results[i]?.[1] as (string | null)[] | undefined) ?? [];
      return {
        ...p,
        state: (state as BreakerState | null) ?? 'closed',
        failures: Number(failures ?? 0),
        openUntil: openUntil && Number(openUntil) > 0 ? Number(openUntil) : undefined,
      };
    });
  }
}

function account(credentialSet: string | undefined): { credentialSet?: string } {
  return credentialSet === undefined ? {} : { credentialSet };
}
