import { DEFAULT_TENANT_ID } from '@byot/contracts';
import type { HookAuthenticator } from '../auth/hook-authenticator.ts';
import type { ParseSettings } from '../okta/parse-hook.ts';

/**
 * What the hook path needs to know of one tenant (one customer Okta org): how its Okta proves itself, where its
 * hooks must come from, and how its numbers are read. Built once per tenant object (a reload builds a new one), so
 * a hook being answered keeps the view it started with.
 */
export interface HookTenant {
  id: string;
  authenticator: HookAuthenticator;
  /** The tenant's parse settings (its default region); the deployment-wide minimum lifetime included. */
  parse: ParseSettings;
  /**
   * The Okta org's origin (`https://acme.okta.com`): the hook's `source` must lie under it. Absent for the
   * environment's `default` tenant, which has never had such a check.
   */
  oktaOrg?: string;
}

/** The tenants that take new hooks right now. Unknown (or removed by a reload): undefined, answered 404. */
export interface HookTenants {
  forHook(tenantId: string): HookTenant | undefined;
  /**
   * Whether jobs get a fair-share priority (ADR 0020): only with a tenants file. The single-org setup makes no
   * extra Redis call on the hook path.
   */
  readonly shared: boolean;
}

/** The single-org setup: one tenant, `default`, exactly as before tenancy. */
export function singleTenant(authenticator: HookAuthenticator, parse: ParseSettings): HookTenants {
  const tenant: HookTenant = { id: DEFAULT_TENANT_ID, authenticator, parse };
  return {
    shared: false,
    forHook: (id) => (id === DEFAULT_TENANT_ID ? tenant : undefined),
  };
}

/** True when the hook's `source` (Okta's URL of the hook call) lies under the tenant's Okta org origin. */
export function sourceWithinOrg(source: unknown, oktaOrg: string): boolean {
  if (typeof source !== 'string' || source.length === 0 || source.length > 2048) return false;
  try {
    return new URL(source).origin === new URL(oktaOrg).origin;
  } catch {
    return false;
  }
}

/** What may be logged of a refused `source`: its origin only (bounded), never a query string. */
export function sourceOriginForLog(source: unknown): string | undefined {
  if (typeof source !== 'string') return undefined;
  try {
    return new URL(source).origin.slice(0, 200);
  } catch {
    return 'not-a-url';
  }
}
