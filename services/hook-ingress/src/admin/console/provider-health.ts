import {
  type BreakerSnapshot,
  CircuitBreakers,
  DEFAULT_CREDENTIAL_SET,
  type ProviderStatsReader,
  type RouteHealth,
} from '@byot/delivery/stats';
import type { Keyspace } from '@byot/redis';
import type { Redis } from 'ioredis';

/** One row of the providers page: the workers' figures for a route and its shared breaker. */
export interface ProviderRow extends RouteHealth {
  breaker: Pick<BreakerSnapshot, 'state' | 'failures' | 'openUntil'>;
}

export interface ProviderHealthSource {
  /** Routes of these tenants (undefined: every tenant), with their breakers. */
  read(tenants: readonly string[] | undefined): Promise<ProviderRow[]>;
}

/**
 * What the workers measured (per-minute figures in Redis) beside the breakers they share (also in Redis): the
 * console asks no worker. Breakers are per provider, channel and credential set (a tenant's own Twilio subaccount
 * has its own); the `default` credential set is the single-org setup's breaker, under its unchanged key.
 */
export function providerHealthFromRedis(
  redis: Redis,
  keyspace: Keyspace,
  stats: ProviderStatsReader,
): ProviderHealthSource {
  const breakers = new CircuitBreakers(redis, keyspace);
  return {
    async read(tenants) {
      const routes = await stats.read(tenants ? { tenants } : {});
      const snapshots = await breakers.snapshot(
        routes.map((r) => ({
          provider: r.route.provider,
          channel: r.route.channel,
          ...(r.route.credentialSet === DEFAULT_CREDENTIAL_SET
            ? {}
            : { credentialSet: r.route.credentialSet }),
        })),
      );
      return routes.map((route, i) => {
        const snapshot = snapshots[i];
        return {
          ...route,
          breaker: {
            state: snapshot?.state ?? 'closed',
            failures: snapshot?.failures ?? 0,
            openUntil: snapshot?.openUntil,
          },
        };
      });
    },
  };
}
