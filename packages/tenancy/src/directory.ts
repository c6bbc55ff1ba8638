import { isDeepStrictEqual } from 'node:util';
import type { Tenant, TenantsConfig } from './tenant.ts';

export interface TenantChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface TenantDirectoryOptions {
  /**
   * How long a tenant removed by a reload stays available to work already under way (queued sends, retries,
   * receipts): at least the longest an OTP can live (MAX_OTP_LIFETIME_SECONDS) plus the receipt window.
   */
  retainRemovedMs: number;
  now?: () => number;
}

/**
 * The tenants this process serves right now. A reload replaces whole tenant objects at once, so whoever holds a
 * tenant keeps a consistent view of it; nobody needs a lock.
 *
 * Two lookups on purpose: `get` answers for new work (a hook for a tenant removed a second ago is refused like
 * any unknown tenant), `forWork` also finds a recently removed tenant, so a reload never drops work already
 * accepted — its queued sends, retries and receipts finish with the settings they started with.
 */
export class TenantDirectory {
  #config: TenantsConfig;
  readonly #retired = new Map<string, { tenant: Tenant; until: number }>();
  readonly #options: TenantDirectoryOptions;
  readonly #listeners = new Set<(changes: TenantChanges, directory: TenantDirectory) => void>();

  constructor(config: TenantsConfig, options: TenantDirectoryOptions) {
    this.#config = config;
    this.#options = options;
  }

  /** `file` with a tenants file, `environment` for the single-org setup. */
  get origin(): TenantsConfig['origin'] {
    return this.#config.origin;
  }

  get size(): number {
    return this.#config.tenants.size;
  }

  /** A tenant that may take new work (hooks, lookups, usage). */
  get(id: string): Tenant | undefined {
    return this.#config.tenants.get(id);
  }

  /** A tenant whose work is under way: current, or removed by a reload within `retainRemovedMs`. */
  forWork(id: string): Tenant | undefined {
    const current = this.#config.tenants.get(id);
    if (current) return current;
    const retired = this.#retired.get(id);
    if (!retired) return undefined;
    if (retired.until > this.#now()) return retired.tenant;
    this.#retired.delete(id);
    return undefined;
  }

  list(): Tenant[] {
    return [...this.#config.tenants.values()];
  }

  ids(): string[] {
    return [...this.#config.tenants.keys()];
  }

  /** Swaps in a new configuration and tells the listeners what changed (nothing is called when nothing did). */
  replace(next: TenantsConfig): TenantChanges {
    const previous = this.#config.tenants;
    const changes: TenantChanges = { added: [], removed: [], changed: [] };
    // An unchanged tenant keeps its object, so whatever was built from it (clients, verifiers) is kept too.
    const kept = new Map<string, Tenant>();
    for (const [id, tenant] of next.tenants) {
      const before = previous.get(id);
      if (!before) changes.added.push(id);
      else if (!isDeepStrictEqual(before, tenant)) changes.changed.push(id);
      kept.set(id, before && isDeepStrictEqual(before, tenant) ? before : tenant);
    }
    const until = this.#now() + this.#options.retainRemovedMs;
    for (const [id, tenant] of previous) {
      if (next.tenants.has(id)) continue;
      changes.removed.push(id);
      this.#retired.set(id, { tenant, until });
    }
    for (const id of next.tenants.keys()) this.#retired.delete(id);
    this.#config = { origin: next.origin, tenants: kept };
    if (changes.added.length + changes.removed.length + changes.changed.length > 0) {
      for (const listener of this.#listeners) listener(changes, this);
    }
    return changes;
  }

  /** Called after each replace that changed something (e.g. to drop provider clients of removed tenants). */
  onChange(listener: (changes: TenantChanges, directory: TenantDirectory) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
