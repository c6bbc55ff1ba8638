import type { Redis } from 'ioredis';

/**
 * A circuit breaker per provider and channel, with its state in Redis so every worker replica sees the same:
 * when one replica's calls keep failing, all of them stop trying that provider for a cool-down, then let ONE
 * probe through; a probe that succeeds closes the breaker for everybody.
 *
 * Only provider-unavailable failures count (5xx, timeouts, refused connections, bad credentials): a bad number or
 * a throttle says nothing about the provider's health.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';
export type BreakerDecision = 'allow' | 'probe' | 'skip';

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
  state: BreakerState;
  failures: number;
  openUntil: number | undefined;
}

/** KEYS[1] breaker hash. ARGV: now, probeTimeoutMs. Returns {decision, state}. */
const ALLOW = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local state = redis.call('HGET', key, 'state') or 'closed'
if state == 'closed' then return {'allow', state} end
local openUntil = tonumber(redis.call('HGET', key, 'openUntil') or '0')
local probeUntil = tonumber(redis.call('HGET', key, 'probeUntil') or '0')
if now < openUntil or now < probeUntil then return {'skip', state} end
redis.call('HSET', key, 'state', 'half-open', 'probeUntil', now + tonumber(ARGV[2]))
return {'probe', 'half-open'}
`;

/** KEYS[1]. ARGV: now. Returns the previous state. */
const SUCCESS = `
local key = KEYS[1]
local state = redis.call('HGET', key, 'state') or 'closed'
redis.call('HSET', key, 'state', 'closed', 'failures', 0, 'windowStart', ARGV[1], 'openUntil', 0, 'probeUntil', 0)
return state
`;

/** KEYS[1]. ARGV: now, threshold, windowMs, cooldownMs. Returns {previousState, newState, failures}. */
const FAILURE = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local state = redis.call('HGET', key, 'state') or 'closed'
local failures = tonumber(redis.call('HGET', key, 'failures') or '0')
local windowStart = tonumber(redis.call('HGET', key, 'windowStart') or '0')
if now - windowStart > tonumber(ARGV[3]) then
  failures = 0
  windowStart = now
end
failures = failures + 1
local newState = state
if state == 'half-open' or failures >= tonumber(ARGV[2]) then
  newState = 'open'
  redis.call('HSET', key, 'openUntil', now + tonumber(ARGV[4]), 'probeUntil', 0)
end
redis.call('HSET', key, 'state', newState, 'failures', failures, 'windowStart', windowStart)
return {state, newState, failures}
`;

type Runner = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

export interface BreakerTransition {
  provider: string;
  channel: string;
  from: BreakerState;
  to: BreakerState;
  failures?: number;
}

export class CircuitBreakers {
  readonly #redis: Redis;
  readonly #keyPrefix: string;
  readonly #settings: BreakerSettings;
  readonly #run: { allow: Runner; success: Runner; failure: Runner };
  readonly #onTransition: (transition: BreakerTransition) => void;

  constructor(
    redis: Redis,
    keyPrefix: string,
    settings: BreakerSettings = DEFAULT_BREAKER_SETTINGS,
    onTransition: (transition: BreakerTransition) => void = () => {},
  ) {
    this.#redis = redis;
    this.#keyPrefix = keyPrefix;
    this.#settings = settings;
    this.#onTransition = onTransition;
    const define = (name: string, lua: string): Runner => {
      redis.defineCommand(name, { lua });
      const fn = (redis as unknown as Record<string, Runner>)[name];
      if (!fn) throw new Error(`could not define Redis script ${name}`);
      return fn.bind(redis);
    };
    this.#run = {
      allow: define('byotBreakerAllow', ALLOW),
      success: define('byotBreakerSuccess', SUCCESS),
      failure: define('byotBreakerFailure', FAILURE),
    };
  }

  #key(provider: string, channel: string): string {
    return `${this.#keyPrefix}:breaker:${channel}:${provider}`;
  }

  async decide(provider: string, channel: string, now = Date.now()): Promise<BreakerDecision> {
    const [decision, state] = (await this.#run.allow(
      1,
      this.#key(provider, channel),
      now,
      this.#settings.probeTimeoutMs,
    )) as [BreakerDecision, BreakerState];
    if (decision === 'probe' && state === 'half-open') {
      this.#onTransition({ provider, channel, from: 'open', to: 'half-open' });
    }
    return decision;
  }

  async recordSuccess(provider: string, channel: string, now = Date.now()): Promise<void> {
    const previous = (await this.#run.success(1, this.#key(provider, channel), now)) as BreakerState;
    if (previous !== 'closed') this.#onTransition({ provider, channel, from: previous, to: 'closed' });
  }

  async recordFailure(provider: string, channel: string, now = Date.now()): Promise<BreakerState> {
    const [from, to, failures] = (await this.#run.failure(
      1,
      this.#key(provider, channel),
      now,
      this.#settings.failureThreshold,
      this.#settings.windowMs,
      this.#settings.cooldownMs,
    )) as [BreakerState, BreakerState, number];
    if (from !== to || (from === 'open' && to === 'open' && failures === 1)) {
      this.#onTransition({ provider, channel, from, to, failures });
    }
    return to;
  }

  async snapshot(providers: { provider: string; channel: string }[]): Promise<BreakerSnapshot[]> {
    const pipeline = this.#redis.pipeline();
    for (const p of providers)
      pipeline.hmget(this.#key(p.provider, p.channel), 'state', 'failures', 'openUntil');
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
