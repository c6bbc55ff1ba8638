import { TENANT_ID } from './keys.ts';
import { type FraudPolicy, type FraudPolicyOverride, mergePolicy } from './policy.ts';

/** The single-org setup's tenant (cross-cutting decision 1). */
export const DEFAULT_TENANT = 'default';

/**
 * Each tenant's policy: the deployment's default (from the environment) with the tenant's own `policy:` on top.
 * Built once at start; the hook path only looks up. The tenants file (issue 13) feeds `overrides`.
 */
export class FraudPolicies {
  readonly #policies = new Map<string, FraudPolicy>();
  readonly defaultPolicy: FraudPolicy;

  constructor(defaultPolicy: FraudPolicy, overrides: Readonly<Record<string, FraudPolicyOverride>> = {}) {
    this.defaultPolicy = defaultPolicy;
    this.#policies.set(DEFAULT_TENANT, defaultPolicy);
    for (const [tenantId, override] of Object.entries(overrides)) {
      if (!TENANT_ID.test(tenantId))
        throw new Error(`not a tenant id: ${JSON.stringify(tenantId.slice(0, 40))}`);
      this.#policies.set(tenantId, mergePolicy(defaultPolicy, override));
    }
  }

  /** The policy of a tenant; undefined for a tenant this deployment does not serve. */
  for(tenantId: string): FraudPolicy | undefined {
    return this.#policies.get(tenantId);
  }

  tenantIds(): string[] {
    return [...this.#policies.keys()];
  }
}
