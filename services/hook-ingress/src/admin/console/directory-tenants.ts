import { createHash, timingSafeEqual } from 'node:crypto';
import { type ConsoleTenants, credentialFingerprint } from './principal.ts';

/** What the console needs of @byot/tenancy's TenantDirectory: today's tenants, each with its adminToken if any. */
export interface TenantList {
  list(): ReadonlyArray<{ id: string; adminToken?: string }>;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * The console's tenants over the ingress's tenant directory (the tenants file, TENANTS_FILE). Nothing is copied:
 * every call reads the directory as it is now, so a tenant a reload added is there on the next page, and a removed
 * one — and its adminToken — is gone at once (its viewer's session then sees nothing, as every read is narrowed
 * to the tenants that exist; a rotated adminToken ends the sessions the old one opened: `viewerCredential`). Each tenant's adminToken signs in as that tenant's viewer.
 */
export function directoryTenants(directory: TenantList): ConsoleTenants {
  return {
    reloadable: true,
    ids: () =>
      directory
        .list()
        .map((t) => t.id)
        .sort(),
    hasViewerTokens: () => directory.list().some((t) => t.adminToken !== undefined),
    viewerCredential(tenant) {
      const token = directory.list().find((t) => t.id === tenant)?.adminToken;
      return token === undefined ? undefined : credentialFingerprint(token);
    },
    viewerTokenOwner(token) {
      const presented = digest(token);
      let owner: string | undefined;
      // Every tenant's token is compared, so the time taken does not tell which tenant a token is close to.
      // The file's isolation checks keep adminTokens distinct, so at most one matches.
      for (const tenant of directory.list()) {
        if (tenant.adminToken === undefined) continue;
        if (timingSafeEqual(presented, digest(tenant.adminToken)) && owner === undefined) owner = tenant.id;
      }
      return owner;
    },
  };
}
