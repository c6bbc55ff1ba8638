import type { SendJob } from '@byot/contracts';
import type { Logger } from '@byot/observability';
import {
  credentialSetOf,
  DEFAULT_TENANT_ID,
  PerTenant,
  type Tenant,
  type TenantDirectory,
} from '@byot/tenancy';
import { TenantRoutesError, tenantOf, UnknownTenantError } from '../send/routing.ts';
import type { Escalation, Route, Routing } from '../send/shapes.ts';

/** What a channel builds for one tenant: its routes (from its accounts only) and its escalations. */
export type TenantRouteBuilder = (
  tenant: Tenant,
  options: { credentialSet: (provider: string) => string | undefined },
) => Promise<{ routes: Route[]; escalations: Escalation[] }>;

/**
 * The breaker id of a tenant's account at a provider. The `default` tenant (the environment's, or `default` in a
 * tenants file) keeps today's breaker keys, so a rolling upgrade from the single-org release keeps breaker state;
 * every other tenant gets its account's credential set (a digest of the account id, never a secret).
 */
export function breakerCredentialSet(tenant: Tenant, provider: string): string | undefined {
  return tenant.id === DEFAULT_TENANT_ID ? undefined : credentialSetOf(tenant, provider);
}

/**
 * Per-tenant provider registries for a channel worker: each tenant's routes are built once per version of its
 * settings (a reload replaces a changed tenant's object, so its next job builds afresh while jobs holding the
 * old routes finish with them) and looked up by the job's tenant. A job of a tenant that is not served fails
 * (UnknownTenantError): nothing falls back on another tenant's accounts.
 */
export class TenantRoutes {
  readonly #directory: TenantDirectory;
  readonly #built: PerTenant<Promise<Routing>>;
  readonly #log: Logger;
  readonly #stop: () => void;

  constructor(options: { directory: TenantDirectory; build: TenantRouteBuilder; log: Logger }) {
    this.#directory = options.directory;
    this.#log = options.log;
    this.#built = new PerTenant((tenant) =>
      options
        .build(tenant, { credentialSet: (provider) => breakerCredentialSet(tenant, provider) })
        .then(({ routes, escalations }) => ({ tenant: tenant.id, routes, escalations })),
    );
    // Build a reloaded tenant's routes at once: a problem shows in the log at the reload, not at its next code.
    this.#stop = options.directory.onChange((changes) => {
      for (const id of [...changes.added, ...changes.changed]) {
        const tenant = this.#directory.get(id);
        if (tenant) void this.#warmOne(tenant).catch(() => {});
      }
    });
  }

  /** SendProcessorDeps.routing: the job's tenant's routing (a tenant removed by a recent reload still works). */
  readonly routing = (job: Pick<SendJob, 'tenant'>): Promise<Routing> => {
    const id = tenantOf(job);
    const tenant = this.#directory.forWork(id);
    if (!tenant) return Promise.reject(new UnknownTenantError(id));
    return this.#built.of(tenant);
  };

  /** Builds every served tenant's routes now; rejects with the first tenant that cannot be set up. */
  async warm(): Promise<Routing[]> {
    return Promise.all(this.#directory.list().map((tenant) => this.#warmOne(tenant)));
  }

  stop(): void {
    this.#stop();
  }

  async #warmOne(tenant: Tenant): Promise<Routing> {
    try {
      return await this.#built.of(tenant);
    } catch (error) {
      const failure = new TenantRoutesError(tenant.id, error);
      this.#log.error({ tenant: tenant.id, reason: failure.message }, 'tenant providers could not be set up');
      throw failure;
    }
  }
}
