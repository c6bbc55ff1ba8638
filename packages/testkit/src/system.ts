/**
 * The one system launcher: the whole system as separate OS processes on loopback — what production runs, minus
 * real providers: a redis-server with AOF, the provider simulator, sms- and voice-workers, one or more hook-ingress
 * instances (behind a round-robin load balancer when there are several), and, when asked, the Okta simulator.
 *
 * Two profiles share it. `test` (the default): free ports, fresh random sandbox credentials, a temporary Redis,
 * debug logs and the tests' tuning — the end-to-end tests, the chaos drills and the benchmarks. `dev`: what
 * `npm start` runs (tools/src/dev-env.ts builds its options: fixed ports, the checkout's generated secrets, Redis
 * data in .data/, okta-sim, readable logs), with nothing test-only added.
 *
 * Extending it: a new kind of process is one more `start…` step in launchSystem; a new setting of an existing
 * process belongs in the profile that wants it (the `dev` profile's options, or TEST_TUNING), or in an option here
 * when both do. A different Redis (Sentinel, Cluster) is another branch of startRedis.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadBalancer, startLoadBalancer } from './balancer.ts';
import { getFreePort } from './ports.ts';
import { compiledServiceArgs, nodeServiceArgs, repoRoot, SERVICE_NODE_FLAGS } from './processes.ts';
import { RedisServerProcess } from './redis-server.ts';
import { ClusterTopology, SentinelTopology } from './redis-topology.ts';
import { ServiceProcess } from './service.ts';
import {
  type DeliveryLookup,
  getDelivery,
  type HookAnswer,
  type SendHookOptions,
  type SimMessage,
  type SimMessageQuery,
  sendHook,
  setSimCallbacks,
  setSimFaults,
  simMessages,
} from './system-client.ts';
import { planTenants, type SystemTenant, type SystemTenantsOptions } from './system-tenants.ts';

export interface SystemOptions {
  /** sms-worker processes. Default 1. */
  smsWorkers?: number;
  /** voice-worker processes. Default 0. */
  voiceWorkers?: number;
  /** hook-ingress processes. Default 1; with 2 or more a load balancer fronts them. */
  ingresses?: number;
  /** Run that load balancer on a thread of its own (drills: see LoadBalancerOptions.ownThread). */
  balancerThread?: boolean;
  /** HOOK_RESPONSE_BUDGET_MS. Default 2000 in the test profile, the service's own in dev. */
  budgetMs?: number;
  /** Twilio primary, Vonage backup (SMS and voice); Twilio on its own simulator port so it can be taken "down". */
  failover?: boolean;
  /** SendGrid e-mail as the last resort. */
  emailFallback?: boolean;
  /**
   * Status callbacks on (default true): workers ask for them at PUBLIC_BASE_URL, the ingress verifies Twilio's
   * signatures with the shared TWILIO_AUTH_TOKEN and Vonage's with VONAGE_SIGNATURE_SECRET, which the simulator
   * signs with.
   */
  receipts?: boolean;
  /** SMS_WORKER_CONCURRENCY / VOICE_WORKER_CONCURRENCY. Default: the services' own defaults. */
  smsConcurrency?: number;
  voiceConcurrency?: number;
  /** The simulator's baseline Twilio latency (SIM_LATENCY_MS). */
  simLatencyMs?: number;
  /** LOG_LEVEL of every service. Default debug (tests read debug lines); drills use info. */
  logLevel?: string;
  /** Extra environment per kind of process, applied last. */
  simEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  ingressEnv?: Record<string, string>;
  /** Per-process readiness timeout. Default 20 s (a loaded 2-core machine starts node services slowly). */
  readyTimeoutMs?: number;
  /** Run the services' compiled `dist/main.js` (build them first: `npm run build`) instead of their source. */
  compiled?: boolean;
  /** The Okta simulator (the customer's org), after everything else; off unless given. */
  oktaSim?: { apiToken: string; env?: Record<string, string> };
  /** Fixed ports instead of free ones (npm start's well-known ports); each one left out is a free port. */
  ports?: Partial<SystemPorts>;
  /** Where a launcher-owned redis-server listens and keeps its AOF (default: a free port and a temp dir). */
  redis?: { port?: number; dir?: string };
  /**
   * Which Redis the system runs on: one redis-server with AOF (the default), a master + replica + 3 sentinels, or a
   * 3-master Cluster with a replica each (redis-topology.ts). The services then get REDIS_SENTINELS… or
   * REDIS_CLUSTER_NODES instead of REDIS_URL.
   */
  redisTopology?: 'single' | 'sentinel' | 'cluster';
  /**
   * Many orgs (issue 13): a TENANTS_FILE with the `default` tenant (the environment's accounts, today's paths) and
   * demo customer orgs beside it, each on its own Twilio subaccount (system-tenants.ts). Off unless given.
   */
  tenants?: SystemTenantsOptions;
}

/** What `npm start` and other long-lived launches choose besides the test options. */
export interface LaunchOptions extends Omit<SystemOptions, 'redis'> {
  /** `test` (default) or `dev` (npm start: no test tuning, the services' own defaults where it set none). */
  profile?: 'test' | 'dev';
  /** The sandbox's accounts and secrets; default: fresh random ones (randomSandboxCredentials). */
  credentials?: SandboxCredentials;
  /** A Redis to use instead of starting one (`url`), or where to start one. */
  redis?: { url: string } | { port?: number; dir?: string };
  /** Every process's environment before the launcher's own settings (npm start: its layered environment). */
  env?: Record<string, string>;
  /** PUBLIC_BASE_URL, where providers post receipts; default the ingress (or its load balancer). */
  publicBaseUrl?: string;
  /** Each output line of each process, as it arrives (npm start prints them, formatted). */
  onLine?: (service: string, line: string) => void;
}

export interface SystemPorts {
  /** The (first) hook-ingress. */
  ingress: number;
  /** The simulator's shared port (Vonage, SendGrid, /sim/*, the inbox). */
  sim: number;
  /** Twilio's own simulator port. */
  simTwilio: number;
  /** HEALTH_PORT of the first sms-worker / voice-worker. */
  smsHealth: number;
  voiceHealth: number;
  /** The (first) ingress's admin port (metrics, console). */
  admin: number;
  okta: number;
}

/** The simulator's accounts and the deployment's secrets, as environment variables. */
export interface SandboxCredentials {
  twilio: { TWILIO_ACCOUNT_SID: string; TWILIO_AUTH_TOKEN: string; TWILIO_FROM_NUMBER: string };
  vonage: {
    VONAGE_API_KEY: string;
    VONAGE_API_SECRET: string;
    VONAGE_FROM_NUMBER: string;
    VONAGE_APPLICATION_ID: string;
    /** The simulated Vonage application's key: the Voice API's request JWTs are signed with it. */
    VONAGE_PRIVATE_KEY: string;
    VONAGE_SIGNATURE_SECRET: string;
  };
  DATA_ENCRYPTION_KEY: string;
  OKTA_HOOK_AUTH_SECRET: string;
  ADMIN_TOKEN: string;
}

export interface RunningSystem {
  /** The Redis: with a topology, its first data node (the initial master). */
  redis: RedisServerProcess;
  /** The Sentinel set-up, with redisTopology 'sentinel'. */
  sentinel?: SentinelTopology;
  /** The Cluster, with redisTopology 'cluster'. */
  cluster?: ClusterTopology;
  sim: ServiceProcess;
  /** The simulator's shared port (Vonage, SendGrid, /sim/*, the inbox). */
  simUrl: string;
  /** Twilio's dedicated simulator port (what the workers call): `down` closes it. */
  twilioUrl: string;
  /** The first hook-ingress (the only one unless `ingresses` ≥ 2). */
  ingress: ServiceProcess;
  ingresses: ServiceProcess[];
  /** Where Okta (and the providers' callbacks) reach the ingress: the load balancer, or the only ingress. */
  ingressUrl: string;
  hookUrl: string;
  balancer: LoadBalancer | undefined;
  /** The sms-workers (named `workers` for the tests written before voice workers were launched here). */
  workers: ServiceProcess[];
  voiceWorkers: ServiceProcess[];
  /** The Okta simulator, when `oktaSim` was given. */
  okta: ServiceProcess | undefined;
  oktaUrl: string | undefined;
  /** The environment every service shares (secrets included: never print it). */
  env: Record<string, string>;
  hookSecret: string;
  /** ADMIN_TOKEN of the ingress (delivery lookup, queue dashboard). */
  adminToken: string;
  /** The demo tenants beside `default` when launched with `tenants` (empty otherwise). */
  tenants: SystemTenant[];
  /** The TENANTS_FILE the services read, when launched with `tenants`. */
  tenantsFile: string | undefined;
  all(): ServiceProcess[];
  startWorker(extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  startVoiceWorker(extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  workerHealthUrl(worker: ServiceProcess): string;
  /** Readiness URL of every service process ({name, url}). */
  healthUrls(): { name: string; url: string }[];
  sendHook(body: unknown, options?: SendHookOptions): Promise<HookAnswer>;
  simMessages(query: string | SimMessageQuery): Promise<SimMessage[]>;
  setSimFaults(faults: Record<string, unknown> | null, provider?: string): Promise<void>;
  setSimCallbacks(provider: string, settings: Record<string, unknown> | null): Promise<void>;
  /** GET /v1/deliveries/:eventId with the admin token (undefined when the ingress has no such route yet). */
  delivery(eventId: string): Promise<DeliveryLookup>;
  /** Stops every process (ingresses first, Redis last) and the load balancer. Never throws; idempotent. */
  stop(): Promise<void>;
}

/** A launched system whose Redis may be someone else's (npm start with REDIS_URL). */
export interface LaunchedSystem extends Omit<RunningSystem, 'redis'> {
  redis: RedisServerProcess | undefined;
  redisUrl: string;
}

/** Fresh sandbox accounts and secrets the simulator accepts (random per run, never real ones). */
export function randomSandboxCredentials(): SandboxCredentials {
  return {
    twilio: {
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
      TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
      TWILIO_FROM_NUMBER: '+15005550006',
    },
    vonage: {
      VONAGE_API_KEY: 'e2ekey01',
      VONAGE_API_SECRET: randomBytes(12).toString('hex'),
      VONAGE_FROM_NUMBER: '+15005550100',
      VONAGE_APPLICATION_ID: '00000000-0000-4000-8000-0000000000e2',
      VONAGE_PRIVATE_KEY: rsaPrivateKey(),
      VONAGE_SIGNATURE_SECRET: randomBytes(24).toString('base64url'),
    },
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    OKTA_HOOK_AUTH_SECRET: `Basic ${randomBytes(24).toString('base64')}`,
    ADMIN_TOKEN: randomBytes(32).toString('base64'),
  };
}

/**
 * What only the tests want: quick breakers (a drill sees one open within seconds), and the simulator's magic
 * numbers past the fraud controls (Twilio's test numbers, +1500555…, NANP's 500 personal-number range, so
 * PERSONAL_NUMBER is not blocked; every other default stays).
 */
const TEST_TUNING = {
  failover: { BREAKER_FAILURE_THRESHOLD: '3', BREAKER_COOLDOWN_MS: '3000' },
  ingress: { BLOCKED_NUMBER_TYPES: 'PREMIUM_RATE,SHARED_COST,UAN,PAGER,VOICEMAIL' },
} as const;

const HOST = '127.0.0.1';

/** The test profile: a system of its own for a test file, drill or benchmark, with a Redis of its own. */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const system = await launchSystem(options);
  // A launch without `redis.url` always starts its own redis-server.
  return system as RunningSystem;
}

/** Starts the whole system in a profile (see the top of this file); on any failure, stops what it started. */
export async function launchSystem(options: LaunchOptions = {}): Promise<LaunchedSystem> {
  const services: ServiceProcess[] = [];
  const launch: Launch = { options, services, test: (options.profile ?? 'test') === 'test' };
  try {
    const redis = await startRedis(options, launch);
    launch.redis = redis.process;
    const plan = await planLaunch(options, redis.env, launch);
    const sim = await startService(launch, 'provider-sim', plan.simPort, plan.simEnv(), 'healthz');
    const ingresses: ServiceProcess[] = [];
    for (const [index, port] of plan.ingressPorts.entries()) {
      const name = plan.ingressPorts.length > 1 ? `hook-ingress-${index + 1}` : 'hook-ingress';
      ingresses.push(await startService(launch, name, port, await plan.ingressEnv(index), 'readyz'));
    }
    const workers: ServiceProcess[] = [];
    const voiceWorkers: ServiceProcess[] = [];
    const startChannelWorker = async (channel: 'sms' | 'voice', extraEnv: Record<string, string> = {}) => {
      const list = channel === 'sms' ? workers : voiceWorkers;
      const fixed = list.length === 0 ? options.ports?.[`${channel}Health`] : undefined;
      const port = fixed ?? (await getFreePort());
      const name = launch.test ? `${channel}-worker-${list.length + 1}` : `${channel}-worker`;
      const worker = await startService(
        launch,
        name,
        port,
        plan.workerEnv(channel, port, extraEnv),
        'readyz',
      );
      list.push(worker);
      return worker;
    };
    // Started one after the other: on two cores, parallel TypeScript start-ups mostly wait on each other.
    for (let i = 0; i < (options.smsWorkers ?? 1); i++) await startChannelWorker('sms');
    for (let i = 0; i < (options.voiceWorkers ?? 0); i++) await startChannelWorker('voice');
    const okta = options.oktaSim
      ? await startService(launch, 'okta-sim', plan.oktaPort, plan.oktaEnv(), 'healthz')
      : undefined;
    return runningSystem(launch, plan, { sim, ingresses, workers, voiceWorkers, okta, startChannelWorker });
  } catch (error) {
    await stopEverything(launch);
    throw error;
  }
}

/** What the launch has started so far, for stopping it. */
interface Launch {
  options: LaunchOptions;
  services: ServiceProcess[];
  /** The test profile (its tuning and defaults) rather than dev. */
  test: boolean;
  redis?: RedisServerProcess | undefined;
  topology?: SentinelTopology | ClusterTopology | undefined;
  balancer?: LoadBalancer | undefined;
  stopped?: Promise<void>;
}

/**
 * The Redis the system runs on: one it starts (AOF on: accepted jobs survive a restart), the given URL, or a
 * Sentinel set-up or Cluster it starts (redisTopology). `env` is what every service reads to reach it.
 */
async function startRedis(
  options: LaunchOptions,
  launch: Launch,
): Promise<{ env: Record<string, string>; process?: RedisServerProcess }> {
  if (options.redis && 'url' in options.redis) return { env: { REDIS_URL: options.redis.url } };
  if (options.redisTopology === 'sentinel' || options.redisTopology === 'cluster') {
    launch.topology =
      options.redisTopology === 'sentinel' ? await SentinelTopology.start() : await ClusterTopology.start();
    return { env: launch.topology.env() };
  }
  if (options.redis?.dir) mkdirSync(options.redis.dir, { recursive: true });
  const redis = await RedisServerProcess.start({ appendonly: true, ...options.redis });
  return { env: { REDIS_URL: redis.url }, process: redis };
}

type Plan = Awaited<ReturnType<typeof planLaunch>>;

/** Every port, credential and environment of the launch, decided before the first process starts. */
async function planLaunch(options: LaunchOptions, redisEnv: Record<string, string>, launch: Launch) {
  const ports = options.ports ?? {};
  const free = async (fixed: number | undefined) => fixed ?? (await getFreePort());
  const simPort = await free(ports.sim);
  const twilioPort = await free(ports.simTwilio);
  const oktaPort = options.oktaSim ? await free(ports.okta) : 0;
  const simUrl = `http://${HOST}:${simPort}`;
  const twilioUrl = `http://${HOST}:${twilioPort}`;
  const ingressCount = Math.max(1, options.ingresses ?? 1);
  const ingressPorts = [await free(ports.ingress)];
  while (ingressPorts.length < ingressCount) ingressPorts.push(await getFreePort());
  if (ingressCount > 1) {
    launch.balancer = await startLoadBalancer({
      backends: ingressPorts.map((port) => ({ host: HOST, port })),
      ...(options.balancerThread ? { ownThread: true } : {}),
    });
  }
  const ingressUrl = launch.balancer?.url ?? `http://${HOST}:${ingressPorts[0]}`;
  const credentials = options.credentials ?? randomSandboxCredentials();
  const receipts = options.receipts ?? true;
  const budgetMs = options.budgetMs ?? (launch.test ? 2_000 : undefined);

  // Every process: the launch's environment, then the deployment's secrets and the sandbox's Twilio account.
  const env: Record<string, string> = {
    ...options.env,
    ...redisEnv,
    DATA_ENCRYPTION_KEY: credentials.DATA_ENCRYPTION_KEY,
    OKTA_HOOK_AUTH_SECRET: credentials.OKTA_HOOK_AUTH_SECRET,
    ...(budgetMs === undefined ? {} : { HOOK_RESPONSE_BUDGET_MS: String(budgetMs) }),
    LOG_LEVEL: options.logLevel ?? 'debug',
    ADMIN_TOKEN: credentials.ADMIN_TOKEN,
    ...credentials.twilio,
  };
  const { VONAGE_SIGNATURE_SECRET: vonageSignatureSecret, ...vonage } = credentials.vonage;
  const publicBaseUrl = options.publicBaseUrl ?? ingressUrl;
  const receiptEnv: Record<string, string> = receipts
    ? { PUBLIC_BASE_URL: publicBaseUrl, VONAGE_SIGNATURE_SECRET: vonageSignatureSecret }
    : { STATUS_CALLBACKS: 'false' };
  // Twilio first, the simulated Vonage as backup; the ingress serves Vonage's callbacks only when it is in use.
  const providers = { SMS_PROVIDERS: 'twilio,vonage', VOICE_PROVIDERS: 'twilio,vonage' };
  const failoverEnv: Record<string, string> = options.failover
    ? {
        ...vonage,
        ...providers,
        VONAGE_REST_HOST: simUrl,
        VONAGE_API_HOST: simUrl,
        ...(launch.test ? TEST_TUNING.failover : {}),
      }
    : {};
  const tenantsPlan = options.tenants
    ? planLaunchTenants(options, { env, vonage, vonageSignatureSecret, receipts, oktaPort })
    : undefined;
  const sendgridEvents = options.emailFallback && receipts ? sendgridEventKeys() : undefined;
  const emailEnv: Record<string, string> = options.emailFallback
    ? {
        EMAIL_FALLBACK: 'sendgrid',
        SENDGRID_API_KEY: `SG.${randomBytes(8).toString('hex')}.${randomBytes(8).toString('hex')}`,
        SENDGRID_FROM_EMAIL: 'codes@example.com',
        SENDGRID_API_BASE_URL: simUrl,
      }
    : {};

  return {
    env,
    simPort,
    oktaPort,
    simUrl,
    twilioUrl,
    ingressUrl,
    publicBaseUrl,
    ingressPorts,
    credentials,
    tenantsPlan,
    simEnv: (): Record<string, string> => ({
      ...env,
      ...tenantsPlan?.simEnv,
      ...failoverEnv,
      ...emailEnv,
      ...(receipts ? { VONAGE_SIGNATURE_SECRET: vonageSignatureSecret } : {}),
      ...(sendgridEvents
        ? {
            SIM_SENDGRID_EVENT_URL: `${ingressUrl}/v1/callbacks/sendgrid/events`,
            SIM_SENDGRID_EVENT_PRIVATE_KEY: sendgridEvents.privateKey,
          }
        : {}),
      ...(options.simLatencyMs === undefined ? {} : { SIM_LATENCY_MS: String(options.simLatencyMs) }),
      PORT: String(simPort),
      HOST,
      SIM_TWILIO_PORT: String(twilioPort),
      ...options.simEnv,
    }),
    ingressEnv: async (index: number): Promise<Record<string, string>> => {
      // The admin port (metrics, console) defaults to 0.0.0.0:9100: the tests keep it on loopback, and free, so
      // two systems (or a developer's `npm start`) can run side by side.
      const adminPort = index === 0 ? ports.admin : undefined;
      const admin = launch.test || adminPort !== undefined ? await free(adminPort) : undefined;
      return {
        ...env,
        ...receiptEnv,
        ...(options.failover ? providers : {}),
        ...(sendgridEvents ? { SENDGRID_EVENT_PUBLIC_KEY: sendgridEvents.publicKey } : {}),
        PORT: String(ingressPorts[index]),
        ...(launch.test ? { HOST } : {}),
        ...(admin === undefined ? {} : { ADMIN_PORT: String(admin) }),
        ...(launch.test ? { ADMIN_HOST: HOST, ...TEST_TUNING.ingress } : {}),
        ...options.ingressEnv,
      };
    },
    workerEnv: (channel: 'sms' | 'voice', healthPort: number, extraEnv: Record<string, string>) => {
      const concurrency = channel === 'sms' ? options.smsConcurrency : options.voiceConcurrency;
      return {
        ...env,
        ...receiptEnv,
        ...failoverEnv,
        ...emailEnv,
        // Twilio's own simulator port: `down` refuses connections there, as a dead provider would.
        TWILIO_API_BASE_URL: twilioUrl,
        HEALTH_PORT: String(healthPort),
        HEALTH_HOST: HOST,
        ...(concurrency === undefined
          ? {}
          : { [`${channel.toUpperCase()}_WORKER_CONCURRENCY`]: String(concurrency) }),
        ...options.workerEnv,
        ...extraEnv,
      };
    },
    // The customer's Okta org: `npm run okta` sets it up, its sandbox page signs people in and calls the hook.
    oktaEnv: (): Record<string, string> => ({
      ...options.env,
      LOG_LEVEL: env.LOG_LEVEL as string,
      PORT: String(oktaPort),
      HOST,
      OKTA_SIM_API_TOKEN: options.oktaSim?.apiToken ?? '',
      OKTA_SIM_INBOX_URL: `${simUrl}/`,
      ...options.oktaSim?.env,
    }),
  };
}

/**
 * The tenants file and its variables; every process reads the file, so each gets every variable it references
 * (the Vonage backup's secrets too, which only the workers would otherwise see).
 */
function planLaunchTenants(
  options: LaunchOptions,
  at: {
    env: Record<string, string>;
    vonage: Omit<SandboxCredentials['vonage'], 'VONAGE_SIGNATURE_SECRET'>;
    vonageSignatureSecret: string;
    receipts: boolean;
    oktaPort: number;
  },
) {
  if (options.emailFallback) throw new Error('launchSystem: tenants with emailFallback is not supported yet');
  Object.assign(at.env, {
    ...(options.failover ? at.vonage : {}),
    ...(at.receipts ? { VONAGE_SIGNATURE_SECRET: at.vonageSignatureSecret } : {}),
  });
  const plan = planTenants(options.tenants ?? {}, {
    env: at.env,
    ingressEnv: options.ingressEnv ?? {},
    failover: options.failover ?? false,
    ...(options.oktaSim ? { oktaSimUrl: `http://${HOST}:${at.oktaPort}` } : {}),
  });
  Object.assign(at.env, plan.env, { TENANTS_FILE: plan.file });
  return plan;
}

/** Starts one service process and waits until its health URL (`/healthz` or `/readyz`) answers. */
async function startService(
  launch: Launch,
  name: string,
  port: number,
  env: Record<string, string>,
  health: 'healthz' | 'readyz',
): Promise<ServiceProcess> {
  const { options } = launch;
  const service = name.replace(/-\d+$/, '');
  const args = options.compiled
    ? compiledServiceArgs(join(repoRoot(), 'services', service))
    : nodeServiceArgs(join(repoRoot(), 'services', service, 'src', 'main.ts'));
  const url = `http://${HOST}:${port}`;
  const onLine = options.onLine;
  const started = await ServiceProcess.start(
    {
      name,
      // The simulators are test tools, not services we ship: provider-sim keeps every message in memory
      // (SIM_MAX_RECORDS, up to 50 000 in the benchmarks), so the services' heap bounds do not apply to them.
      args: service.endsWith('-sim') ? args.filter((a) => !SERVICE_NODE_FLAGS.includes(a as never)) : args,
      env,
      ready: { url: `${url}/${health}` },
      readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
      ...(onLine ? { onLine: (line: string) => onLine(name, line) } : {}),
    },
    url,
  );
  launch.services.push(started);
  return started;
}

/** Intake first, then the workers drain (Redis still up, so they finish at once), the simulators, Redis last. */
async function stopEverything(launch: Launch): Promise<void> {
  const order = (name: string): number =>
    name.startsWith('hook-ingress') ? 0 : name.includes('worker') ? 1 : 2;
  for (const rank of [0, 1, 2]) {
    await Promise.allSettled(
      launch.services.filter((s) => order(s.name) === rank).map((s) => s.stop('SIGTERM', 15_000)),
    );
  }
  await launch.balancer?.close().catch(() => {});
  await launch.redis?.stop().catch(() => {});
  await launch.topology?.stop().catch(() => {});
}

function runningSystem(
  launch: Launch,
  plan: Plan,
  parts: {
    sim: ServiceProcess;
    ingresses: ServiceProcess[];
    workers: ServiceProcess[];
    voiceWorkers: ServiceProcess[];
    okta: ServiceProcess | undefined;
    startChannelWorker(channel: 'sms' | 'voice', extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  },
): LaunchedSystem {
  const { services } = launch;
  const system: LaunchedSystem = {
    redis: launch.redis ?? launch.topology?.nodes[0],
    ...(launch.topology instanceof SentinelTopology ? { sentinel: launch.topology } : {}),
    ...(launch.topology instanceof ClusterTopology ? { cluster: launch.topology } : {}),
    // With a topology: its first data node, for whatever shows where Redis is.
    redisUrl: plan.env.REDIS_URL ?? (launch.topology?.nodes[0]?.url as string),
    sim: parts.sim,
    simUrl: plan.simUrl,
    twilioUrl: plan.twilioUrl,
    ingress: parts.ingresses[0] as ServiceProcess,
    ingresses: parts.ingresses,
    ingressUrl: plan.ingressUrl,
    hookUrl: `${plan.ingressUrl}/v1/okta/telephony`,
    balancer: launch.balancer,
    workers: parts.workers,
    voiceWorkers: parts.voiceWorkers,
    okta: parts.okta,
    oktaUrl: parts.okta?.healthUrl,
    env: plan.env,
    hookSecret: plan.credentials.OKTA_HOOK_AUTH_SECRET,
    adminToken: plan.credentials.ADMIN_TOKEN,
    tenants:
      plan.tenantsPlan?.tenants({
        ingressUrl: plan.ingressUrl,
        publicBaseUrl: plan.publicBaseUrl,
        simUrl: plan.simUrl,
      }) ?? [],
    tenantsFile: plan.tenantsPlan?.file,
    all: () => [...services],
    startWorker: (extraEnv) => parts.startChannelWorker('sms', extraEnv),
    startVoiceWorker: (extraEnv) => parts.startChannelWorker('voice', extraEnv),
    workerHealthUrl: (worker) => worker.healthUrl,
    healthUrls: () =>
      services.map((s) => ({
        name: s.name,
        url: `${s.healthUrl}/${s.name.endsWith('-sim') ? 'healthz' : 'readyz'}`,
      })),
    sendHook: (body, sendOptions) => sendHook(system, body, sendOptions),
    simMessages: (query) => simMessages(system, query),
    setSimFaults: (faults, provider) => setSimFaults(system, faults, provider),
    setSimCallbacks: (provider, settings) => setSimCallbacks(system, provider, settings),
    delivery: (eventId) => getDelivery(system, eventId),
    stop: () => {
      launch.stopped ??= stopEverything(launch);
      return launch.stopped;
    },
  };
  return system;
}

/** An RSA key pair's private half (PKCS#8 PEM): the simulated Vonage application signs its JWTs with it. */
export function rsaPrivateKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

/** SendGrid's signed event webhook: the simulator signs with the private key, the ingress verifies (Base64 DER). */
function sendgridEventKeys(): { privateKey: string; publicKey: string } {
  const pair = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return { privateKey: pair.privateKey, publicKey: pair.publicKey.toString('base64') };
}
