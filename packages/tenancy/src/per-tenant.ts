import type { TenantDirectory } from './directory.ts';
import type { Tenant } from './tenant.ts';

/**
 * Things built from a tenant's settings — its hook authenticator, its callback verifiers, its provider routes —
 * built once per tenant object, on first use. A reload replaces the tenant object, so the next lookup builds
 * afresh from the new settings while work holding the old object keeps the old one; a removed tenant's objects
 * are dropped with it (weakly held).
 */
export class PerTenant<T> {
  readonly #built = new WeakMap<Tenant, T>();
  readonly #build: (tenant: Tenant) => T;

  constructor(build: (tenant: Tenant) => T) {
    this.#build = build;
  }

  of(tenant: Tenant): T {
    let value = this.#built.get(tenant);
    if (value === undefined) {
      value = this.#build(tenant);
      this.#built.set(tenant, value);
    }
    return value;
  }

  /** For new work: the tenant's current object, or undefined for an unknown tenant. */
  current(directory: TenantDirectory, id: string): T | undefined {
    const tenant = directory.get(id);
    return tenant === undefined ? undefined : this.of(tenant);
  }

  /** For work under way: also a tenant removed by a recent reload. */
  forWork(directory: TenantDirectory, id: string): T | undefined {
    const tenant = directory.forWork(id);
    return tenant === undefined ? undefined : this.of(tenant);
  }
}
