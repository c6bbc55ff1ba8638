import { DEFAULT_TENANT_ID, type SendJob } from '@byot/contracts';
import type { SendProcessorDeps } from './run.ts';
import type { Routing } from './shapes.ts';

/**
 * A job for a tenant this worker does not serve: not in the tenants file (removed longer ago than work is kept
 * for, or a job queued for another deployment). It fails; it is never sent with another tenant's accounts.
 */
export class UnknownTenantError extends Error {
  readonly tenant: string;
  constructor(tenant: string) {
    super(`tenant "${tenant}" is not served by this deployment (not in the tenants file)`);
    this.name = 'UnknownTenantError';
    this.tenant = tenant;
  }
}

/** A tenant whose routes could not be built from its settings (a configuration problem, named without values). */
export class TenantRoutesError extends Error {
  constructor(tenant: string, cause: unknown) {
    super(
      `tenant "${tenant}": its providers could not be set up (${cause instanceof Error ? cause.name : 'error'})`,
      {
        cause,
      },
    );
    this.name = 'TenantRoutesError';
  }
}

/** The tenant a job belongs to: jobs queued before tenancy carry none and are the `default` tenant's. */
export function tenantOf(job: Pick<SendJob, 'tenant'>): string {
  return job.tenant ?? DEFAULT_TENANT_ID;
}

/** What this job is sent with: its tenant's routing, or the deployment's one set of routes. */
export async function routingFor(deps: SendProcessorDeps, job: SendJob): Promise<Routing> {
  const tenant = tenantOf(job);
  if (deps.routing) {
    try {
      return await deps.routing(job);
    } catch (error) {
      if (error instanceof UnknownTenantError) throw error;
      throw new TenantRoutesError(tenant, error);
    }
  }
  // One set of accounts: only its own tenant's jobs may use them.
  if (tenant !== DEFAULT_TENANT_ID) throw new UnknownTenantError(tenant);
  return { tenant, routes: deps.routes ?? [], escalations: deps.escalations ?? [] };
}
