/**
 * Where a tenant's Okta settings come from. Issue 13 brings a tenants file (one entry per customer org: its org
 * URL and credentials, its hook URL, its header secret or OAuth client); until then the only tenant is
 * `default`, built from the environment. `setup --tenant ID`, `status --all-tenants` and the write-back of
 * generated secrets go through this interface, so the tenants file plugs in here and nowhere else.
 */
import type { GeneratedBlock } from './steps.ts';

export interface TenantDirectory {
  /** Every tenant `status --all-tenants` checks. */
  ids(): string[];
  /**
   * The environment this tenant's commands run with: the same names as the single-org environment
   * (OKTA_ORG_URL, OKTA_API_TOKEN, OKTA_HOOK_AUTH_SECRET, OKTA_HOOK_OAUTH_CLIENT_ID…, plus a hook URL).
   */
  environment(id: string): Record<string, string | undefined>;
  /** Stores generated secrets as the tenant's own; 'printed' when there is nowhere to write them. */
  saveGenerated(id: string, blocks: readonly GeneratedBlock[]): 'written' | 'printed';
}

export class UnknownTenant extends Error {
  override name = 'UnknownTenant';
}

export const DEFAULT_TENANT = 'default';

/** The single-org deployment: the tenant `default`, configured by the environment. */
export function environmentTenants(env: Readonly<Record<string, string | undefined>>): TenantDirectory {
  return {
    ids: () => [DEFAULT_TENANT],
    environment(id) {
      if (id !== DEFAULT_TENANT) {
        throw new UnknownTenant(
          `tenant "${id}" is unknown: without a tenants file (coming with MSP tenancy) the only tenant is "default", configured by this environment`,
        );
      }
      return { ...env };
    },
    saveGenerated: () => 'printed',
  };
}
