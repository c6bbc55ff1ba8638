import {
  type FraudPolicy,
  type FraudPolicyOverride,
  fraudPolicyOverrideSchema,
  mergePolicy,
} from '@byot/fraud';
import { PerTenant, type TenantDirectory } from '@byot/tenancy';
import { z } from 'zod';

/**
 * A tenant's `policy:` in the tenants file, checked as the fraud controls will use it: the keys and values
 * (fraudPolicyOverrideSchema) and the policy they make over the environment's (mergePolicy's cross-field rules),
 * so a bad policy is a problem of the file — listed at start, refused on a reload — never a failure at the first
 * hook. The value is kept as written: mergePolicy reads it again when the tenant's policy is built.
 */
export function tenantPolicySchema(base: FraudPolicy): z.ZodType {
  return z.unknown().superRefine((value, ctx) => {
    const parsed = fraudPolicyOverrideSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      return;
    }
    try {
      mergePolicy(base, value as FraudPolicyOverride);
    } catch (error) {
      const issues =
        error instanceof z.ZodError ? error.issues : [{ path: [], message: 'is not a valid policy' }];
      for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  });
}

/**
 * Each tenant's fraud policy: the environment's policy (ALLOWED_COUNTRIES, LIMIT_…) with the tenant's `policy:`
 * over it. Built once per tenant object, so a reload that changes a tenant's policy applies to its next hook.
 */
export class TenantFraudPolicies {
  readonly #directory: TenantDirectory;
  readonly #built: PerTenant<FraudPolicy>;

  constructor(directory: TenantDirectory, base: FraudPolicy) {
    this.#directory = directory;
    this.#built = new PerTenant((tenant) =>
      tenant.policy === undefined ? base : mergePolicy(base, tenant.policy as FraudPolicyOverride),
    );
  }

  for(tenantId: string): FraudPolicy | undefined {
    return this.#built.current(this.#directory, tenantId);
  }

  tenantIds(): string[] {
    return this.#directory.ids();
  }
}
