import './instrumentation.ts';
import { hkdfSync } from 'node:crypto';
import { once } from 'node:events';
import { ConfigError, decodeKey, loadConfigOrExit } from '@byot/config';
import { DeliveryStore, LedgerIndex, OutcomeListener } from '@byot/delivery/records';
import { DEFAULT_TENANT, describePolicy, FraudBlocks, FraudGuard } from '@byot/fraud';
import { createLogger } from '@byot/observability';
import {
  closeQueue,
  closeRedis,
  createRedisConnection,
  createSendQueue,
  createStatusQueue,
  describeRedisTarget,
  keyspaceFromConfig,
  redisTargetFromConfig,
  startQueueJanitor,
  waitUntilReady,
} from '@byot/redis';
import { installShutdown, listeningPort as listeningPortOf } from '@byot/runtime';
import { personIndexerFromConfig, sealerFromConfig } from '@byot/sealing';
import { ByotMetrics, currentTracing, queuePollIntervalMs } from '@byot/telemetry';
import { FairShare, openTenantsOrExit, sendPaceOf, UsageCounters } from '@byot/tenancy';
import { createAdminApp } from './admin/admin-app.ts';
import { consoleFromConfig, consoleSettings, directoryTenants } from './admin/console/index.ts';
import { createApp, TELEPHONY_HOOK_PATH } from './app.ts';
import { singleAdmin, tenantAdmins } from './auth/admin-auth.ts';
import { BearerTokenAuthenticator } from './auth/bearer-authenticator.ts';
import { DEFAULT_FAILURE_LIMITS, FailureThrottle } from './auth/failure-throttle.ts';
import {
  AnyOfAuthenticators,
  HeaderSecretAuthenticator,
  type HookAuthenticator,
} from './auth/hook-authenticator.ts';
import { QueueStatusSink } from './callbacks/index.ts';
import { ingressEnvSchema, loadFraudPoliciesOrExit } from './config.ts';
import { Dispatcher } from './delivery/dispatcher.ts';
import { HookLedger } from './delivery/hook-ledger.ts';
import { FraudScreen } from './fraud/screen.ts';
import { createBoundedServer } from './http/bounded-server.ts';
import {
  exitWithParent,
  ingressProcessIndex,
  type Siblings,
  startSiblings,
} from './http/ingress-processes.ts';
import { jwksUriOf, tokenEndpointOf } from './oauth/authorization-server.ts';
import { hookOAuthFromConfig } from './oauth/from-config.ts';
import type { RemoteKeySet } from './oauth/remote-key-set.ts';
import { RedisReplayGuard } from './oauth/replay-guard.ts';
import { loadSigningKeys } from './oauth/signing-keys.ts';
import { TenantFraudPolicies, tenantPolicySchema } from './tenants/fraud-policies.ts';
import { TenantAccess } from './tenants/tenant-access.ts';
import { HookUsage } from './usage/hook-usage.ts';

const config = loadConfigOrExit(ingressEnvSchema, 'hook-ingress');
const consoleConfig = (() => {
  try {
    return consoleSettings(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `hook-ingress: ${error.message}\nSee .env.example and the README's Support console section.\n`,
    );
    process.exit(78); // EX_CONFIG, as loadConfigOrExit
  }
})();
const fraudPolicies = loadFraudPoliciesOrExit();
const log = createLogger({ service: 'hook-ingress', level: config.LOG_LEVEL });
const metrics = new ByotMetrics({ service: 'hook-ingress' });
const keyspace = keyspaceFromConfig(config);
const redisTarget = redisTargetFromConfig(config);
// The tenants this deployment serves: the tenants file (TENANTS_FILE, reloaded on SIGHUP and on change), or the
// environment as the one tenant `default`. An invalid file at start lists every problem and exits 78.
const tenancy = openTenantsOrExit(
  {
    environment: config,
    log,
    // A removed tenant's work under way (a hook being answered) finishes with the settings it started with.
    retainRemovedMs: (config.MAX_OTP_LIFETIME_SECONDS + config.DELIVERY_RETENTION_SECONDS) * 1000,
    policySchema: tenantPolicySchema(fraudPolicies.defaultPolicy),
    ...(config.ADMIN_TOKEN === undefined
      ? {}
      : { reserved: [{ name: 'ADMIN_TOKEN', value: config.ADMIN_TOKEN }] }),
  },
  'hook-ingress',
);
const tenantsFromFile = tenancy.directory.origin === 'file';

// Producer semantics: fail fast, so Okta can fall back while Redis is away (see @byot/redis connections.ts).
const producer = createRedisConnection({
  target: redisTarget,
  role: 'producer',
  name: 'byot:hook-ingress:producer',
  commandTimeoutMs: config.HOOK_ENQUEUE_TIMEOUT_MS,
});
const subscriber = createRedisConnection({
  target: redisTarget,
  role: 'subscriber',
  name: 'byot:hook-ingress:outcomes',
});
// The support console's reads (pages of deliveries, provider figures) on a connection of their own, so they never
// queue ahead of Okta's hook commands. Fail-fast like the producer: a page says "unavailable" rather than hang.
const consoleRedis = createRedisConnection({
  target: redisTarget,
  role: 'producer',
  name: 'byot:hook-ingress:console',
  commandTimeoutMs: 5_000,
});
for (const [name, conn] of [
  ['producer', producer],
  ['subscriber', subscriber],
  ['console', consoleRedis],
] as const) {
  conn.on('error', (err) => log.warn({ connection: name, err }, 'redis connection error'));
}

const sealer = sealerFromConfig(config, decodeKey);
// The support console's index of answered hooks (feed, person search by HMAC), on the console's connection.
const ledgerIndex = new LedgerIndex(consoleRedis, keyspace, {
  retentionMs: config.DELIVERY_RETENTION_SECONDS * 1000,
  maxOtpLifetimeMs: config.MAX_OTP_LIFETIME_SECONDS * 1000,
});
const personIndexer = personIndexerFromConfig(config, decodeKey);
const store = new DeliveryStore(producer, keyspace, config.DELIVERY_RETENTION_SECONDS * 1000);
const outcomes = new OutcomeListener(subscriber, keyspace);
outcomes.onMalformed(() => log.warn('ignored a malformed outcome message'));
const queues = {
  sms: createSendQueue('sms', producer, keyspace),
  voice: createSendQueue('voice', producer, keyspace),
};
const statusQueue = createStatusQueue(producer, keyspace);
for (const queue of [...Object.values(queues), statusQueue])
  queue.on('error', (err) => log.warn({ queue: queue.name, err }, 'queue error'));

// Vonage's callbacks fail closed: served only for a configured provider, and signed (see vonage/callbacks.ts).
const vonageConfigured = [...config.SMS_PROVIDERS, ...config.VOICE_PROVIDERS].includes('vonage');
const vonageCallbacks = vonageConfigured
  ? {
      ...(config.VONAGE_SIGNATURE_SECRET === undefined
        ? {}
        : { signatureSecret: config.VONAGE_SIGNATURE_SECRET }),
      allowUnsigned: config.VONAGE_CALLBACKS_ALLOW_UNSIGNED,
    }
  : undefined;
if (vonageConfigured && config.VONAGE_SIGNATURE_SECRET === undefined) {
  if (config.VONAGE_CALLBACKS_ALLOW_UNSIGNED) {
    log.error(
      'VONAGE_CALLBACKS_ALLOW_UNSIGNED=true: Vonage delivery receipts and voice events are accepted UNSIGNED — anyone who can reach this port can forge them (a forged "failed" sends the code again); set VONAGE_SIGNATURE_SECRET',
    );
  } else {
    log.warn(
      'Vonage is a configured provider but VONAGE_SIGNATURE_SECRET is not set: its delivery receipts and voice events are refused (404) until it is',
    );
  }
}

const oauth = tenantsFromFile
  ? { remoteKeySets: [] as RemoteKeySet[] }
  : await hookOAuthFromConfig(config, {
      redis: producer,
      keyPrefix: keyspace.prefix,
      hookPath: TELEPHONY_HOOK_PATH,
      log,
    });
// With a tenants file: each tenant's own credentials, its own authorization server, its own outside issuer.
const tenantAccess = tenantsFromFile
  ? new TenantAccess({
      directory: tenancy.directory,
      parse: { defaultRegion: config.DEFAULT_PHONE_REGION, minLifetimeMs: config.MIN_OTP_LIFETIME_MS },
      ...(config.PUBLIC_BASE_URL === undefined ? {} : { publicBaseUrl: config.PUBLIC_BASE_URL }),
      ...(config.OAUTH_SIGNING_KEY ? { signingKeys: await loadSigningKeys(config.OAUTH_SIGNING_KEY) } : {}),
      tokenTtlSeconds: config.OAUTH_TOKEN_TTL_SECONDS,
      maxOutsideTokenAgeSeconds: config.OKTA_HOOK_OAUTH_MAX_TOKEN_AGE_SECONDS,
      hookPath: TELEPHONY_HOOK_PATH,
      log,
    })
  : undefined;
const tenantTokenEndpoint = tenantAccess
  ? {
      servers: tenantAccess,
      replay: new RedisReplayGuard(producer, keyspace.prefix),
      throttle: new FailureThrottle({
        redis: producer,
        keyPrefix: `${keyspace.prefix}:throttle:oauth`,
        ...DEFAULT_FAILURE_LIMITS,
      }),
      log,
    }
  : undefined;
// OKTA_HOOK_AUTH, in its order: each scheme an authenticator, the first that accepts wins (single-org setup).
const authenticators: HookAuthenticator[] = (tenantsFromFile ? [] : config.OKTA_HOOK_AUTH).map((scheme) =>
  scheme === 'header'
    ? new HeaderSecretAuthenticator(config.OKTA_HOOK_AUTH_HEADER, config.OKTA_HOOK_AUTH_SECRET as string)
    : new BearerTokenAuthenticator(oauth.verifier as NonNullable<typeof oauth.verifier>),
);
// Failed admin-token attempts are throttled like failed OAuth clients (per source, and in all), across replicas.
const adminThrottle = new FailureThrottle({
  redis: producer,
  keyPrefix: `${keyspace.prefix}:throttle:admin`,
  ...DEFAULT_FAILURE_LIMITS,
});
// The fraud controls share the producer connection: one Redis round trip per hook, failing as fast as the enqueue.
const fraudGuard = new FraudGuard({
  redis: producer,
  keyPrefix: keyspace.fraud,
  // Numbers and user ids in Redis keys are keyed hashes; the key is derived, never the sealing key itself.
  subjectKey: Buffer.from(
    hkdfSync('sha256', decodeKey(config.DATA_ENCRYPTION_KEY) as Buffer, '', 'byot fraud subject keys v1', 32),
  ),
});
// Each tenant's policy: the environment's, with its `policy:` from the tenants file over it.
const policies = tenantsFromFile
  ? new TenantFraudPolicies(tenancy.directory, fraudPolicies.defaultPolicy)
  : fraudPolicies;
// What the fraud controls refuse now, and lifting it: the same object behind /v1/blocks and the console's blocks page.
const fraudBlocks = new FraudBlocks(producer, (tenantId) => fraudGuard.keys(tenantId));
const fraudScreen = new FraudScreen({
  guard: fraudGuard,
  policies,
  log,
  metrics,
  timeoutMs: config.HOOK_ENQUEUE_TIMEOUT_MS,
  ledger: store,
  maxOtpLifetimeMs: config.MAX_OTP_LIFETIME_SECONDS * 1000,
});
const defaultPolicy = fraudPolicies.defaultPolicy;
if (defaultPolicy.allowedCountries === '*') {
  log.warn(
    'ALLOWED_COUNTRIES is * : codes may go to every country. Set the countries your people are in (e.g. US,CA,GB): ' +
      'most SMS pumping targets ordinary mobile ranges of countries you never send to',
  );
}
log.info({ tenant: DEFAULT_TENANT, policy: describePolicy(defaultPolicy) }, 'fraud controls');

const usageCounters = new UsageCounters(producer, keyspace);
const adminPrincipals = tenantsFromFile
  ? tenantAdmins(config.ADMIN_TOKEN, () => tenancy.directory.list())
  : config.ADMIN_TOKEN === undefined
    ? undefined
    : singleAdmin(config.ADMIN_TOKEN);
const statusSink = new QueueStatusSink(statusQueue, {
  connected: () => producer.status === 'ready',
  timeoutMs: config.HOOK_ENQUEUE_TIMEOUT_MS,
});
let shuttingDown = false;
const app = createApp({
  ...(tenantAccess
    ? { tenants: tenantAccess }
    : {
        authenticator:
          authenticators.length === 1
            ? (authenticators[0] as HookAuthenticator)
            : new AnyOfAuthenticators(authenticators),
      }),
  ...(oauth.tokenEndpoint ? { oauth: oauth.tokenEndpoint } : {}),
  ...(tenantTokenEndpoint ? { oauth: tenantTokenEndpoint } : {}),
  ...(config.TRUST_PROXY === undefined ? {} : { trustProxy: config.TRUST_PROXY }),
  dispatcher: new Dispatcher({
    queues,
    store,
    outcomes,
    sealer,
    log,
    enqueueTimeoutMs: config.HOOK_ENQUEUE_TIMEOUT_MS,
    maxOtpLifetimeMs: config.MAX_OTP_LIFETIME_SECONDS * 1000,
    queueConnected: () => producer.status === 'ready',
    // Many tenants: a job's priority is its rank in its tenant's waiting line (ADR 0020); single-org: none.
    ...(tenantsFromFile
      ? {
          fairShare: new FairShare(producer, keyspace),
          // And a send pace per tenant (ADR 0023): the file's, else the deployment's.
          paceFor: (tenant: string) =>
            sendPaceOf(tenancy.directory.get(tenant)?.sendPace, {
              perSecond: config.TENANT_SENDS_PER_SECOND,
              ...(config.TENANT_SEND_BURST === undefined ? {} : { burst: config.TENANT_SEND_BURST }),
            }),
        }
      : {}),
  }),
  parse: { defaultRegion: config.DEFAULT_PHONE_REGION, minLifetimeMs: config.MIN_OTP_LIFETIME_MS },
  budgetMs: config.HOOK_RESPONSE_BUDGET_MS,
  maxBodyBytes: config.HOOK_MAX_BODY_BYTES,
  log,
  hookLedger: new HookLedger(ledgerIndex, personIndexer, log),
  metrics,
  ...(tenantsFromFile
    ? {
        tenantCallbacks: {
          directory: tenancy.directory,
          base: { sink: statusSink, log, maxBodyBytes: config.CALLBACK_MAX_BODY_BYTES },
          ...(config.PUBLIC_BASE_URL === undefined ? {} : { publicBaseUrl: config.PUBLIC_BASE_URL }),
          vonageAllowUnsigned: config.VONAGE_CALLBACKS_ALLOW_UNSIGNED,
        },
      }
    : {
        callbacks: {
          sink: statusSink,
          log,
          maxBodyBytes: config.CALLBACK_MAX_BODY_BYTES,
          ...(config.TWILIO_AUTH_TOKEN !== undefined && config.PUBLIC_BASE_URL !== undefined
            ? { twilio: { authToken: config.TWILIO_AUTH_TOKEN, publicBaseUrl: config.PUBLIC_BASE_URL } }
            : {}),
          ...(vonageCallbacks === undefined ? {} : { vonage: vonageCallbacks }),
          ...(config.SENDGRID_EVENT_PUBLIC_KEY === undefined
            ? {}
            : { sendgrid: { publicKey: config.SENDGRID_EVENT_PUBLIC_KEY } }),
        },
      }),
  fraud: fraudScreen,
  // Usage for billing: the codes settled here are counted here; GET /v1/usage for the MSP and each tenant.
  usage: new HookUsage(usageCounters, log),
  ...(adminPrincipals === undefined
    ? {}
    : {
        usageExport: {
          counters: usageCounters,
          principals: adminPrincipals,
          tenantIds: () => tenancy.directory.ids(),
          throttle: adminThrottle,
        },
      }),
  // The lookup: ADMIN_TOKEN sees every tenant; with a tenants file a tenant's adminToken sees its own.
  ...(adminPrincipals === undefined
    ? {}
    : {
        deliveryLookup: {
          store,
          adminToken: adminPrincipals,
          isTenant: (tenant: string) => tenancy.directory.get(tenant) !== undefined,
          throttle: adminThrottle,
        },
      }),
  // The fraud controls' blocks: ADMIN_TOKEN every tenant's; with a tenants file a tenant's adminToken its own.
  ...(adminPrincipals === undefined
    ? {}
    : {
        blocks: {
          blocks: fraudBlocks,
          policies,
          adminToken: adminPrincipals,
        },
      }),
  isReady: async () => {
    if (shuttingDown || subscriber.status !== 'ready') return false;
    // An external issuer's keys must be held before its tokens can be verified. With a tenants file one org's
    // unreachable issuer must not take every org out of service: its hooks are refused (logged) until held.
    if (oauth.remoteKeySets.some((keys) => !keys.ready)) return false;
    return (await producer.ping()) === 'PONG';
  },
});

// Requests bounded to seconds and connections capped (see bounded-server.ts): slow clients cannot starve Okta.
const server = createBoundedServer(app, { maxConnections: config.HTTP_MAX_CONNECTIONS });
// The operators' port, apart from the hook: /metrics for Prometheus and, with ADMIN_TOKEN, the queue dashboard.
const adminServer = createBoundedServer(
  createAdminApp({
    metrics,
    token: config.ADMIN_TOKEN,
    queues: [...Object.values(queues), statusQueue],
    allowActions: config.ADMIN_DASHBOARD_ACTIONS,
    auth: { throttle: adminThrottle, log },
    console: consoleFromConfig({
      settings: consoleConfig,
      adminToken: config.ADMIN_TOKEN,
      redis: consoleRedis,
      keyspace,
      store,
      index: ledgerIndex,
      indexer: personIndexer,
      log,
      blocks: { blocks: fraudBlocks, policies },
      // With a tenants file: every tenant (reloads included), each tenant's adminToken its viewer's sign-in.
      ...(tenantsFromFile ? { tenants: directoryTenants(tenancy.directory) } : {}),
    }),
  }),
  { maxConnections: 256 },
);

try {
  // Start even if Redis is down: the hook then answers "fall back" at once instead of timing out (and /readyz says so).
  await waitUntilReady(producer, 5_000)
    // Warm up: BullMQ checks the server and loads its scripts on first use; do it now, not on Okta's clock.
    .then(() => Promise.all([...Object.values(queues), statusQueue].map((q) => q.getJobCounts('waiting'))))
    // The console's connection too: it has no offline queue, and the first hooks' index rows go through it.
    .then(() => waitUntilReady(consoleRedis, 5_000))
    .catch((err) => log.warn({ err }, 'redis not ready at start; hooks will fall back'));
  // Not awaited: with Redis down, SUBSCRIBE waits in the offline queue and ioredis re-subscribes on reconnect.
  void outcomes.start().catch((err) => log.warn({ err }, 'outcome subscription failed'));
  // An external issuer's keys: fetched now, retried until held (/readyz says not ready until then).
  for (const keys of oauth.remoteKeySets) keys.start();
  await Promise.race([
    Promise.all(oauth.remoteKeySets.map((keys) => keys.whenReady())),
    new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
  ]);
  // Several processes on one port (INGRESS_PROCESSES): the kernel balances connections over them.
  server.listen({ port: config.PORT, host: config.HOST, reusePort: config.INGRESS_PROCESSES > 1 });
  await once(server, 'listening');
  adminServer.listen(config.ADMIN_PORT, config.ADMIN_HOST);
  await once(adminServer, 'listening');
} catch (error) {
  log.fatal({ err: error }, 'hook-ingress failed to start');
  process.exit(1);
}
const address = server.address();
const port = typeof address === 'object' && address ? address.port : config.PORT;
const siblings: Siblings | undefined =
  config.INGRESS_PROCESSES > 1 && ingressProcessIndex() === 0
    ? startSiblings({ processes: config.INGRESS_PROCESSES, port, adminPort: config.ADMIN_PORT, log })
    : undefined;
let siblingsStopped: Promise<void> | undefined;
log.info(
  {
    port,
    hookPath: TELEPHONY_HOOK_PATH,
    budgetMs: config.HOOK_RESPONSE_BUDGET_MS,
    keyPrefix: keyspace.prefix,
    ...describeRedisTarget(redisTarget),
    keyLayout: keyspace.layout,
    adminPort: listeningPortOf(adminServer),
    queueDashboard: config.ADMIN_TOKEN !== undefined,
    console: {
      // Not "token": the logger redacts any field of that name.
      tokenSignIn: config.ADMIN_TOKEN !== undefined,
      oidc: consoleConfig.oidc !== undefined,
    },
    ...(tenancy.file
      ? { tenantsFile: tenancy.file, tenants: tenancy.directory.ids() }
      : { auth: config.OKTA_HOOK_AUTH }),
    ...(oauth.tokenEndpoint
      ? (() => {
          const server = oauth.tokenEndpoint.servers.forTenant('default');
          return server ? { tokenUrl: tokenEndpointOf(server), jwksUri: jwksUriOf(server) } : {};
        })()
      : {}),
    ...(config.OKTA_HOOK_OAUTH_ISSUER === undefined ? {} : { externalIssuer: config.OKTA_HOOK_OAUTH_ISSUER }),
    // With a tenants file each tenant's callbacks are verified with its own secrets (tenant-callbacks.ts).
    callbacks: tenantsFromFile
      ? 'per tenant'
      : {
          // Twilio signs the exact public URL it calls: without PUBLIC_BASE_URL its callbacks cannot be verified.
          twilio: config.TWILIO_AUTH_TOKEN !== undefined && config.PUBLIC_BASE_URL !== undefined,
          vonage: !vonageCallbacks
            ? false
            : config.VONAGE_SIGNATURE_SECRET !== undefined
              ? 'signed'
              : vonageCallbacks.allowUnsigned
                ? 'UNSIGNED'
                : false,
          sendgrid: config.SENDGRID_EVENT_PUBLIC_KEY !== undefined,
        },
  },
  `hook-ingress listening on :${port}${TELEPHONY_HOOK_PATH}`,
);
if (oauth.tokenEndpoint && !config.OKTA_HOOK_AUTH.includes('oauth')) {
  log.warn(
    'byot issues OAuth tokens (OKTA_HOOK_OAUTH_CLIENT_ID) but the hook does not accept them: add oauth to OKTA_HOOK_AUTH',
  );
}
if (tenantsFromFile && config.PUBLIC_BASE_URL === undefined) {
  log.warn(
    "PUBLIC_BASE_URL is not set: the tenants' Twilio status callbacks cannot be verified (off) and byot issues no OAuth tokens",
  );
}
if (config.TWILIO_AUTH_TOKEN !== undefined && config.PUBLIC_BASE_URL === undefined) {
  log.warn(
    'Twilio status callbacks are off: set PUBLIC_BASE_URL (the URL Twilio calls) to verify and accept them',
  );
}

// Every OTP's delivery window is capped at MAX_OTP_LIFETIME_SECONDS: a send job older than that is dead weight (and a
// sealed secret) even if no worker is running to discard it. Every ingress instance sweeps; clean() is idempotent.
const stopJanitor = startQueueJanitor(
  Object.values(queues),
  config.MAX_OTP_LIFETIME_SECONDS * 1000 + 60_000,
  60_000,
  (queue, removed, error) =>
    error
      ? log.warn({ queue, err: error }, 'could not clean expired jobs')
      : log.warn({ queue, removed }, 'removed send jobs whose codes expired unsent'),
);

// Queue depth for byot_queue_jobs (the autoscaling signal), polled by every ingress instance.
const stopQueueMetrics = metrics.observeQueues(
  [...Object.values(queues), statusQueue],
  queuePollIntervalMs(),
);

const shutdown = installShutdown(
  [
    {
      // The other ingress processes drain their own hooks meanwhile; awaited before the logs are flushed.
      name: 'signal the other ingress processes',
      run: async () => {
        siblingsStopped = siblings?.stop(config.HOOK_RESPONSE_BUDGET_MS + 4_000);
      },
    },
    {
      name: 'stop intake',
      run: async () => {
        shuttingDown = true;
        for (const keys of oauth.remoteKeySets) keys.stop();
        tenantAccess?.stop();
        tenancy.stop();
        stopJanitor();
        stopQueueMetrics();
        // Stops accepting; in-flight hooks finish (each is bounded by the budget). Keep-alive connections are
        // closed as soon as they fall idle, rather than after keepAliveTimeout.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.closeIdleConnections();
        await closed;
        clearInterval(sweep);
      },
    },
    {
      name: 'close queues',
      run: async () =>
        // closeQueue, not close(): close() waits for a connection that may never come back.
        void (await Promise.all([...Object.values(queues), statusQueue].map((q) => closeQueue(q)))),
    },
    {
      name: 'disconnect redis',
      run: async () =>
        void (await Promise.all([closeRedis(subscriber), closeRedis(producer), closeRedis(consoleRedis)])),
    },
    {
      name: 'close admin port',
      run: () =>
        new Promise<void>((resolve) => {
          adminServer.close(() => resolve());
          adminServer.closeAllConnections();
        }),
    },
    { name: 'wait for the other ingress processes', run: async () => void (await siblingsStopped) },
    { name: 'flush traces', run: () => currentTracing().shutdown() },
    { name: 'flush logs', run: async () => log.flush() },
  ],
  { log, deadlineMs: config.HOOK_RESPONSE_BUDGET_MS + 5_000 },
);
exitWithParent(shutdown);
