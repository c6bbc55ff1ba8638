/**
 * The ingress serving several tenants from a real tenants file, on a real Redis with real BullMQ queues and an
 * in-process send worker (whose provider is a recorder): what the tenancy tests drive.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUEUES } from '@byot/contracts';
import { createSendProcessor, DeliveryStore, OutcomeListener, type Route } from '@byot/delivery';
import { fraudPolicyFromEnv } from '@byot/fraud';
import type { Logger } from '@byot/observability';
import {
  closeQueue,
  closeRedis,
  createKeyspace,
  createRedisConnection,
  createSendQueue,
  type Keyspace,
  waitUntilReady,
} from '@byot/redis';
import { createSealer } from '@byot/sealing';
import { type OpenTenants, openTenants, type TenantDirectory } from '@byot/tenancy';
import { uniquePrefix } from '@byot/testkit';
import { Worker } from 'bullmq';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { type AppDeps, createApp, TELEPHONY_HOOK_PATH } from '../../src/app.ts';
import { DEFAULT_FAILURE_LIMITS, FailureThrottle } from '../../src/auth/failure-throttle.ts';
import { Dispatcher } from '../../src/delivery/dispatcher.ts';
import { RedisReplayGuard } from '../../src/oauth/replay-guard.ts';
import { loadSigningKeys, parseSigningKeyConfig } from '../../src/oauth/signing-keys.ts';
import { tenantPolicySchema } from '../../src/tenants/fraud-policies.ts';
import { TenantAccess } from '../../src/tenants/tenant-access.ts';
import { ecKeyPair } from './oauth-fixtures.ts';

const randomSecret = (bytes = 24) => randomBytes(bytes).toString('base64url');
const tempFolder = (label: string) => mkdtempSync(join(tmpdir(), `byot-${label}-`));

export const ACME_ORG = 'https://acme.okta.com';
export const GLOBEX_ORG = 'https://globex.okta.com';
export const hookFrom = (org: string) => `${org}/api/v1/inlineHooks/cal0123456789abcdef`;

/** Secrets of the two tenants (and `default`), as the file's `${NAME}`s resolve them. */
export function tenantSecrets() {
  return {
    ACME_HOOK_SECRET: `Basic ${randomSecret()}`,
    ACME_OAUTH_SECRET: randomSecret(32),
    ACME_ADMIN_TOKEN: randomSecret(),
    GLOBEX_HOOK_SECRET: `Basic ${randomSecret()}`,
    GLOBEX_OAUTH_SECRET: randomSecret(32),
    GLOBEX_ADMIN_TOKEN: randomSecret(),
    DEFAULT_HOOK_SECRET: `Basic ${randomSecret()}`,
  };
}
export type TenantSecrets = ReturnType<typeof tenantSecrets>;

/** acme and globex, each with a header secret and an OAuth client; `default` with a header secret. */
export function tenantsYaml(extra = ''): string {
  return `tenants:
  acme:
    oktaOrg: ${ACME_ORG}
    hookAuth:
      header: { name: authorization, value: "\${ACME_HOOK_SECRET}" }
      oauthClients:
        - { clientId: okta-hook, clientSecret: "\${ACME_OAUTH_SECRET}" }
    adminToken: "\${ACME_ADMIN_TOKEN}"
    defaultRegion: GB
    twilio: { accountSid: "AC${'a'.repeat(32)}", authToken: "acme-twilio-token-0001", fromNumber: "+15005550006" }
  globex:
    oktaOrg: ${GLOBEX_ORG}
    hookAuth:
      header: { name: authorization, value: "\${GLOBEX_HOOK_SECRET}" }
      oauthClients:
        - { clientId: okta-hook, clientSecret: "\${GLOBEX_OAUTH_SECRET}" }
    adminToken: "\${GLOBEX_ADMIN_TOKEN}"
    twilio: { accountSid: "AC${'b'.repeat(32)}", authToken: "globex-twilio-token-01", fromNumber: "+15005550008" }
  default:
    oktaOrg: https://byot-test.okta.com
    hookAuth:
      header: { name: authorization, value: "\${DEFAULT_HOOK_SECRET}" }
    twilio: { accountSid: "AC${'c'.repeat(32)}", authToken: "default-twilio-token-1", fromNumber: "+15005550009" }
${extra}`;
}

export interface Send {
  eventId: string;
  tenant: string | undefined;
  otpCode: string;
}

export interface TenantHarness {
  url: string;
  secrets: TenantSecrets;
  file: string;
  tenancy: OpenTenants;
  access: TenantAccess;
  keyspace: Keyspace;
  producer: Redis;
  store: DeliveryStore;
  sends: Send[];
  /** Starts the send worker (when the harness was started without). */
  startWorker(): void;
  queued(): Promise<number>;
  close(): Promise<void>;
}

export async function startTenantHarness(options: {
  redisUrl: string;
  log: Logger;
  withWorker?: boolean;
  yaml?: (secrets: TenantSecrets) => string;
  /** More of the app (callbacks, lookup, usage…), given what the harness built. */
  extend?: (parts: {
    keyspace: Keyspace;
    producer: Redis;
    store: DeliveryStore;
    directory: TenantDirectory;
    url: string;
  }) => Partial<AppDeps>;
}): Promise<TenantHarness> {
  const url = options.redisUrl;
  const log = options.log;
  const secrets = tenantSecrets();
  const folder = tempFolder('ingress-tenants');
  const file = join(folder, 'tenants.yaml');
  writeFileSync(file, options.yaml ? options.yaml(secrets) : tenantsYaml());
  const tenancy = openTenants({
    // Each tenant's `policy:` checked as the ingress does (over the environment's fraud policy).
    policySchema: tenantPolicySchema(fraudPolicyFromEnv({})),
    env: { ...secrets, TENANTS_FILE: file },
    environment: {},
    log,
    retainRemovedMs: 60_000,
    pollIntervalMs: 200,
    signal: null,
  });

  const keyspace = createKeyspace(uniquePrefix('tenants'));
  const producer = createRedisConnection({ url, role: 'producer', name: 'p', commandTimeoutMs: 1_000 });
  const subscriber = createRedisConnection({ url, role: 'subscriber', name: 's' });
  const workerConn = createRedisConnection({ url, role: 'worker', name: 'w' });
  const sealer = createSealer(randomBytes(32));
  const store = new DeliveryStore(producer, keyspace, 60_000);
  const outcomes = new OutcomeListener(subscriber, keyspace);
  await outcomes.start();
  await waitUntilReady(producer, 2_000);
  const queues = {
    sms: createSendQueue('sms', producer, keyspace),
    voice: createSendQueue('voice', producer, keyspace),
  };
  await Promise.all(Object.values(queues).map((q) => q.getJobCounts('waiting')));

  // Listen first: the public base URL (issuer, audiences) is this server's.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const access = new TenantAccess({
    directory: tenancy.directory,
    parse: { defaultRegion: 'US', minLifetimeMs: 5_000 },
    publicBaseUrl: base,
    signingKeys: await loadSigningKeys(parseSigningKeyConfig((await ecKeyPair()).privatePem)),
    tokenTtlSeconds: 3_600,
    maxOutsideTokenAgeSeconds: 86_400,
    hookPath: TELEPHONY_HOOK_PATH,
    log,
  });
  const app: Express = createApp({
    tenants: access,
    oauth: {
      servers: access,
      replay: new RedisReplayGuard(producer, keyspace.prefix),
      throttle: new FailureThrottle({
        redis: producer,
        keyPrefix: `${keyspace.prefix}:throttle:oauth`,
        ...DEFAULT_FAILURE_LIMITS,
      }),
      log,
    },
    dispatcher: new Dispatcher({
      queues,
      store,
      outcomes,
      sealer,
      log,
      enqueueTimeoutMs: 1_000,
      maxOtpLifetimeMs: 1_800_000,
      queueConnected: () => producer.status === 'ready',
    }),
    parse: { defaultRegion: 'US', minLifetimeMs: 5_000 },
    budgetMs: 1_500,
    maxBodyBytes: 32_768,
    log,
    isReady: async () => true,
    ...(options.extend?.({ keyspace, producer, store, url: base, directory: tenancy.directory }) ?? {}),
  });
  server.on('request', app);

  const sends: Send[] = [];
  let worker: Worker | undefined;
  const recorder: Route = {
    provider: 'twilio',
    send: async (job, secrets) => {
      sends.push({ eventId: job.eventId, tenant: job.tenant, otpCode: secrets.otpCode });
      return {
        provider: 'twilio',
        providerMessageId: `SM${sends.length}x`,
        providerStatus: 'queued',
      };
    },
  };
  const startWorker = () => {
    if (worker) return;
    worker = new Worker(
      QUEUES.sms,
      createSendProcessor({
        store: new DeliveryStore(workerConn, keyspace, 60_000),
        sealer,
        log,
        retry: { baseDelayMs: 20, maxDelayMs: 100, minUsefulLifetimeMs: 5_000, maxAttempts: 3 },
        attemptStaleAfterMs: 5_000,
        // Every tenant's jobs through one recording route, as a worker serving the tenants file would (with
        // each tenant's own accounts; the worker side is tested in @byot/delivery).
        routing: (job) => ({ tenant: job.tenant ?? 'default', routes: [recorder], escalations: [] }),
      }),
      { connection: workerConn, prefix: keyspace.prefix, concurrency: 8 },
    );
  };
  if (options.withWorker !== false) startWorker();
  return {
    startWorker,
    url: base,
    secrets,
    file,
    tenancy,
    access,
    keyspace,
    producer,
    store,
    sends,
    queued: async () => (await queues.sms.count()) + (await queues.voice.count()),
    close: async () => {
      tenancy.stop();
      access.stop();
      await worker?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all(Object.values(queues).map((q) => closeQueue(q, 500)));
      await Promise.all([closeRedis(producer), closeRedis(subscriber), closeRedis(workerConn)]);
    },
  };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  body: Record<string, unknown> & { commands?: { value: { status: string; transactionId?: string }[] }[] };
  text: string;
}> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, text };
}
