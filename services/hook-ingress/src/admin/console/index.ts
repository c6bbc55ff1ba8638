import { scopedEventId } from '@byot/contracts';
import type { DeliveryStore, LedgerIndex } from '@byot/delivery/records';
import { ProviderStatsReader } from '@byot/delivery/stats';
import type { FraudBlocks } from '@byot/fraud';
import type { Logger } from '@byot/observability';
import { describeProviderCode } from '@byot/providers/registry';
import type { Keyspace } from '@byot/redis';
import type { PersonIndexer } from '@byot/sealing';
import { UsageCounters } from '@byot/tenancy';
import type { Router } from 'express';
import type { Redis } from 'ioredis';
import { FailureThrottle, type ThrottleLimit } from '../../auth/failure-throttle.ts';
import type { ConsoleSettings } from './config.ts';
import { type ConsoleFeature, createConsole } from './console-app.ts';
import { ledgerSource } from './deliveries/ledger-source.ts';
import { blocksFeature } from './features/blocks.ts';
import { fraudBlocksSource, type TenantPolicies } from './features/fraud-blocks.ts';
import { usageFeature } from './features/usage.ts';
import { OidcSignIn } from './oidc.ts';
import { type ConsoleTenants, DEFAULT_TENANT, fixedTenants } from './principal.ts';
import { providerHealthFromRedis } from './provider-health.ts';
import { SessionStore } from './sessions.ts';

export { consoleEnv, consoleSettings } from './config.ts';
export { type ConsoleFeature, type ConsoleHelpers, createConsole } from './console-app.ts';
export { directoryTenants, type TenantList } from './directory-tenants.ts';
export { type ConsoleTenants, fixedTenants } from './principal.ts';

export interface ConsoleAssembly {
  settings: ConsoleSettings;
  adminToken: string | undefined;
  /** The console's own connection (its reads never queue behind Okta's hook commands). */
  redis: Redis;
  keyspace: Keyspace;
  /** The delivery records (the ledger) and the console's index of them. */
  store: DeliveryStore;
  index: LedgerIndex;
  indexer: PersonIndexer;
  log: Logger;
  /**
   * The tenants: with a tenants file `directoryTenants(tenancy.directory)` (every tenant, reloads included, each
   * tenant's adminToken its viewer's sign-in); absent, the single-org setup's one tenant `default`.
   */
  tenants?: ConsoleTenants;
  /** The fraud controls' blocks (the same FraudBlocks as /v1/blocks): the blocks page and its "lift". */
  blocks?: { blocks: FraudBlocks; policies: TenantPolicies };
  features?: ConsoleFeature[];
}

/** Ten wrong tokens from one address in 15 minutes, then 15 minutes of 429 (CONSOLE_SIGN_IN_*). */
const SIGN_IN_LIMIT: ThrottleLimit = { failures: 10, windowSeconds: 900, blockSeconds: 900 };

/** The console as hook-ingress runs it, or undefined when no sign-in is configured (it is then off). */
export function consoleFromConfig(assembly: ConsoleAssembly): Router | undefined {
  const tenants = assembly.tenants ?? fixedTenants({ [DEFAULT_TENANT]: undefined });
  const { settings, redis, keyspace } = assembly;
  // Off when nobody could ever sign in; a reloadable tenants file may bring the first adminToken later.
  if (
    assembly.adminToken === undefined &&
    settings.oidc === undefined &&
    !tenants.hasViewerTokens() &&
    !tenants.reloadable
  )
    return undefined;
  return createConsole({
    sessions: new SessionStore(redis, keyspace, settings.sessions),
    // The same throttle as the admin token on the API (rate-limiter-flexible in Redis, shared by replicas).
    signInThrottle: new FailureThrottle({
      redis,
      keyPrefix: `${keyspace.prefix}:throttle:console`,
      perSource: settings.signInThrottle ?? SIGN_IN_LIMIT,
      // Only per source: a sign-in names no account, so there is no client to count apart from the address.
      perClient: settings.signInThrottle ?? SIGN_IN_LIMIT,
    }),
    adminToken: assembly.adminToken,
    tenants,
    cookies: { publicUrl: settings.publicUrl },
    oidc: settings.oidc ? new OidcSignIn(settings.oidc, redis, keyspace, tenants) : undefined,
    providers: providerHealthFromRedis(redis, keyspace, new ProviderStatsReader(redis, keyspace)),
    deliveries: ledgerSource({
      index: assembly.index,
      indexer: assembly.indexer,
      // The ledger is keyed by the scoped id (bare for `default`, `{tenant}.{eventId}` otherwise): the same Okta
      // eventId from two orgs is two deliveries, each read only in its own tenant.
      ledger: (tenant, eventId) => assembly.store.getLedger(scopedEventId(tenant, eventId)),
    }),
    describeCode: describeProviderCode,
    log: assembly.log,
    features: [
      ...(assembly.blocks
        ? [blocksFeature(fraudBlocksSource(assembly.blocks.blocks, assembly.blocks.policies), assembly.log)]
        : []),
      // The usage counters of @byot/tenancy, read on the console's connection.
      usageFeature(new UsageCounters(redis, keyspace)),
      ...(assembly.features ?? []),
    ],
  });
}
