import { PROVIDER_NAMES, type ProviderName } from '../providers.ts';
import type { FaultConfig, InitialFaults } from './fault-config.ts';

/** What the injected faults decided for one request, before the provider looks at it. */
export type FaultAction =
  | { kind: 'none' }
  | { kind: 'hang' }
  | { kind: 'throttle'; retryAfterSeconds: number }
  /** `code` undefined: the provider's own code for `status`. */
  | { kind: 'error'; status: number; code: number | undefined };

export interface FaultDecision {
  /** Delay before anything else happens (applies to every action). */
  latencyMs: number;
  action: FaultAction;
  /** Refuse the request as an invalid destination if it is otherwise valid. */
  invalidNumber: boolean;
}

/** Told when a provider's faults change; may return a promise (closing or reopening a listener). */
export type FaultListener = (provider: ProviderName, config: FaultConfig) => void | Promise<void>;

export interface FaultControllerOptions {
  /** Start-up faults (SIM_FAULTS). */
  initial?: InitialFaults;
  /**
   * Latency every request gets when its provider's faults set no latencyMs (SIM_LATENCY_MS for Twilio). It is
   * the simulated network, not a fault, so clearing faults keeps it.
   */
  baselineLatencyMs?: Partial<Record<ProviderName, number>>;
  /** Source of randomness in [0, 1); injectable so tests can force each branch. */
  random?: () => number;
}

/**
 * Per-provider fault settings, changed at run time through /sim/faults and consulted once per provider request.
 * Shared by all providers: only how a decision is rendered on the wire (Twilio's JSON error, Vonage's
 * status-in-a-200) is provider-specific.
 *
 * Each rate is an independent chance, checked in the order hang → throttle → error; so hangRate 0.5 with
 * errorRate 0.5 yields 50 % hangs and 25 % errors.
 *
 * `down` is not decided per request: only a closed port produces a genuine ECONNREFUSED, so the listeners
 * (server.ts) subscribe to changes and close or reopen the provider's dedicated port, and the shared port resets
 * the provider's connections while isDown() holds.
 */
export class FaultController {
  readonly #faults = new Map<ProviderName, FaultConfig>();
  readonly #listeners = new Set<FaultListener>();
  readonly #pending = new Set<Promise<void>>();
  readonly #baseline: Partial<Record<ProviderName, number>>;
  readonly #random: () => number;

  constructor(options: FaultControllerOptions = {}) {
    this.#baseline = { ...options.baselineLatencyMs };
    this.#random = options.random ?? Math.random;
    for (const provider of PROVIDER_NAMES) {
      this.#faults.set(provider, { ...options.initial?.[provider] });
    }
  }

  get(provider: ProviderName): FaultConfig {
    return structuredClone(this.#faults.get(provider) ?? {});
  }

  /** Replaces (does not merge) the provider's faults. */
  set(provider: ProviderName, config: FaultConfig): FaultConfig {
    this.#faults.set(provider, structuredClone(config));
    this.#notify(provider);
    return this.get(provider);
  }

  clear(provider: ProviderName): void {
    this.#faults.set(provider, {});
    this.#notify(provider);
  }

  /** True while the provider is down (connections refused or reset). */
  isDown(provider: ProviderName): boolean {
    return this.#faults.get(provider)?.down === true;
  }

  /** Calls `listener` after every change of any provider's faults. Returns the unsubscribe function. */
  subscribe(listener: FaultListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves once every listener has finished reacting to the changes made so far (a down provider's port is
   * closed, a recovered one listens again). The control API awaits it before answering.
   */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #notify(provider: ProviderName): void {
    const config = this.get(provider);
    for (const listener of this.#listeners) {
      const result = listener(provider, config);
      if (result instanceof Promise) {
        const tracked = result.finally(() => this.#pending.delete(tracked));
        this.#pending.add(tracked);
      }
    }
  }

  clearAll(): void {
    for (const provider of PROVIDER_NAMES) this.clear(provider);
  }

  snapshot(): Record<ProviderName, FaultConfig> {
    return Object.fromEntries(PROVIDER_NAMES.map((provider) => [provider, this.get(provider)])) as Record<
      ProviderName,
      FaultConfig
    >;
  }

  baselineLatencyMs(provider: ProviderName): number {
    return this.#baseline[provider] ?? 0;
  }

  /** True when any fault is set for the provider (the inbox page shows a banner). */
  isActive(provider: ProviderName): boolean {
    return Object.keys(this.#faults.get(provider) ?? {}).length > 0;
  }

  decide(provider: ProviderName): FaultDecision {
    const config = this.#faults.get(provider) ?? {};
    return {
      latencyMs: this.#latency(provider, config),
      action: this.#action(config),
      invalidNumber: this.#chance(config.invalidNumberRate),
    };
  }

  #latency(provider: ProviderName, config: FaultConfig): number {
    const latency = config.latencyMs;
    if (latency === undefined) return this.baselineLatencyMs(provider);
    if (typeof latency === 'number') return latency;
    return latency.min + Math.floor(this.#random() * (latency.max - latency.min + 1));
  }

  #action(config: FaultConfig): FaultAction {
    if (this.#chance(config.hangRate)) return { kind: 'hang' };
    if (this.#chance(config.throttleRate)) {
      return { kind: 'throttle', retryAfterSeconds: config.retryAfterSeconds ?? 1 };
    }
    if (this.#chance(config.errorRate)) {
      return { kind: 'error', status: config.errorStatus ?? 500, code: config.errorCode };
    }
    return { kind: 'none' };
  }

  /** Rate 1 always fires and 0 (or unset) never does, whatever the random source returns. */
  #chance(rate: number | undefined): boolean {
    if (rate === undefined || rate <= 0) return false;
    return rate >= 1 || this.#random() < rate;
  }
}
