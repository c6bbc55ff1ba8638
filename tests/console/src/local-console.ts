import { hkdfSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { decodeKey } from '@byot/config';
import { DeliveryStore, LedgerIndex } from '@byot/delivery/records';
import { FraudBlocks, FraudGuard, FraudPolicies, fraudPolicyFromEnv } from '@byot/fraud';
import { type ConsoleAssembly, consoleFromConfig, fixedTenants } from '@byot/hook-ingress/console';
import { createLogger } from '@byot/observability';
import { closeRedis, createKeyspace, createRedisConnection } from '@byot/redis';
import { personIndexerFromConfig } from '@byot/sealing';
import type { RunningSystem } from '@byot/testkit';
import express from 'express';

/**
 * The console as hook-ingress mounts it (consoleFromConfig, the same code), served in this process over the real
 * system's Redis, with fixed tenants beside the single-org system (a second tenant, and admin tokens for `default`'s
 * viewer, which a single-org ingress has none of). Everything it reads was written by the real processes. A tenants
 * file on the running ingress itself: tenants-system.ts.
 */
export interface LocalConsole {
  url: string;
  stop(): Promise<void>;
}

export async function startLocalConsole(
  system: RunningSystem,
  tenantTokens: Record<string, string | undefined>,
  options: { fraudEnv?: Record<string, string>; extra?: Partial<ConsoleAssembly> } = {},
): Promise<LocalConsole> {
  const redis = createRedisConnection({
    url: system.redis.url,
    role: 'producer',
    name: 'test:console',
    commandTimeoutMs: 5_000,
  });
  const keyspace = createKeyspace('byot');
  const dataKey = decodeKey(system.env.DATA_ENCRYPTION_KEY as string) as Buffer;
  // The fraud controls' keys exactly as hook-ingress derives them (main.ts), so their blocks are these.
  const guard = new FraudGuard({
    redis,
    keyPrefix: keyspace.fraud,
    subjectKey: Buffer.from(hkdfSync('sha256', dataKey, '', 'byot fraud subject keys v1', 32)),
  });
  const router = consoleFromConfig({
    settings: { sessions: { idleMs: 600_000, maxMs: 3_600_000 }, publicUrl: undefined, oidc: undefined },
    adminToken: system.adminToken,
    redis,
    keyspace,
    store: new DeliveryStore(redis, keyspace, 86_400_000),
    index: new LedgerIndex(redis, keyspace, { retentionMs: 86_400_000, maxOtpLifetimeMs: 1_800_000 }),
    indexer: personIndexerFromConfig(system.env as { DATA_ENCRYPTION_KEY: string }, decodeKey),
    log: createLogger({ service: 'console-test', level: 'silent' }),
    tenants: fixedTenants(tenantTokens),
    blocks: {
      blocks: new FraudBlocks(redis, (tenantId) => guard.keys(tenantId)),
      policies: new FraudPolicies(fraudPolicyFromEnv(options.fraudEnv ?? {})),
    },
    ...options.extra,
  });
  if (!router) throw new Error('the console is off: no sign-in configured');
  const app = express();
  app.use(router);
  const server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/console`,
    async stop() {
      server.close();
      server.closeAllConnections();
      await closeRedis(redis);
    },
  };
}
