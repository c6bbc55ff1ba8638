/**
 * The whole system as separate OS processes on loopback — what production runs, minus real providers: a
 * redis-server with AOF, the provider simulator, sms- and voice-workers, one or more hook-ingress instances (behind
 * a round-robin load balancer when there are several). Used by the end-to-end tests, the chaos drills and the
 * benchmarks.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type LoadBalancer, startLoadBalancer } from './balancer.ts';
import { getFreePort } from './ports.ts';
import { compiledServiceArgs, nodeServiceArgs, repoRoot, SERVICE_NODE_FLAGS } from './processes.ts';
import { RedisServerProcess } from './redis-server.ts';
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

export interface SystemOptions {
  /** sms-worker processes. Default 1. */
  smsWorkers?: number;
  /** voice-worker processes. Default 0. */
  voiceWorkers?: number;
  /** hook-ingress processes. Default 1; with 2 or more a load balancer fronts them. */
  ingresses?: number;
  /** HOOK_RESPONSE_BUDGET_MS. Default 2000. */
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
}

export interface RunningSystem {
  redis: RedisServerProcess;
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
  /** The environment every service shares (secrets included: never print it). */
  env: Record<string, string>;
  hookSecret: string;
  /** ADMIN_TOKEN of the ingress (delivery lookup, queue dashboard). */
  adminToken: string;
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

/** Sandbox credentials the simulator accepts (random per run, never real ones). */
export const SANDBOX_TWILIO = {
  TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
  TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
  TWILIO_FROM_NUMBER: '+15005550006',
};

export const SANDBOX_VONAGE = {
  VONAGE_API_KEY: 'e2ekey01',
  VONAGE_API_SECRET: randomBytes(12).toString('hex'),
  VONAGE_FROM_NUMBER: '+15005550100',
  VONAGE_APPLICATION_ID: '00000000-0000-4000-8000-0000000000e2',
};

const HOST = '127.0.0.1';

export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  let redis: RedisServerProcess | undefined;
  let balancer: LoadBalancer | undefined;
  const stopEverything = async (services: ServiceProcess[]): Promise<void> => {
    // Intake first, then the workers drain, then the simulator, the balancer and Redis.
    const order = (name: string): number =>
      name.startsWith('hook-ingress') ? 0 : name.includes('worker') ? 1 : 2;
    for (const rank of [0, 1, 2]) {
      await Promise.allSettled(
        services.filter((s) => order(s.name) === rank).map((s) => s.stop('SIGTERM', 15_000)),
      );
    }
    await balancer?.close().catch(() => {});
    await redis?.stop().catch(() => {});
  };
  const services: ServiceProcess[] = [];
  try {
    redis = await RedisServerProcess.start({ appendonly: true });
    const root = repoRoot();
    const simPort = await getFreePort();
    const twilioPort = await getFreePort();
    const simUrl = `http://${HOST}:${simPort}`;
    const twilioUrl = `http://${HOST}:${twilioPort}`;
    const ingressCount = Math.max(1, options.ingresses ?? 1);
    const ingressPorts = await Promise.all(Array.from({ length: ingressCount }, () => getFreePort()));
    if (ingressCount > 1) {
      balancer = await startLoadBalancer({ backends: ingressPorts.map((port) => ({ host: HOST, port })) });
    }
    const ingressUrl = balancer?.url ?? `http://${HOST}:${ingressPorts[0]}`;
    const receipts = options.receipts ?? true;
    const hookSecret = `Basic ${randomBytes(24).toString('base64')}`;
    const adminToken = randomBytes(32).toString('base64');
    const vonageSignatureSecret = randomBytes(24).toString('base64url');

    const env: Record<string, string> = {
      REDIS_URL: redis.url,
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      OKTA_HOOK_AUTH_SECRET: hookSecret,
      HOOK_RESPONSE_BUDGET_MS: String(options.budgetMs ?? 2_000),
      LOG_LEVEL: options.logLevel ?? 'debug',
      ADMIN_TOKEN: adminToken,
      ...SANDBOX_TWILIO,
    };
    const receiptEnv: Record<string, string> = receipts
      ? { PUBLIC_BASE_URL: ingressUrl, VONAGE_SIGNATURE_SECRET: vonageSignatureSecret }
      : { STATUS_CALLBACKS: 'false' };
    const vonageKey = options.failover ? vonagePrivateKey() : undefined;
    const failoverEnv: Record<string, string> = vonageKey
      ? {
          ...SANDBOX_VONAGE,
          VONAGE_PRIVATE_KEY: vonageKey,
          SMS_PROVIDERS: 'twilio,vonage',
          VOICE_PROVIDERS: 'twilio,vonage',
          VONAGE_REST_HOST: simUrl,
          VONAGE_API_HOST: simUrl,
          BREAKER_FAILURE_THRESHOLD: '3',
          BREAKER_COOLDOWN_MS: '3000',
        }
      : {};
    const sendgridEvents = options.emailFallback && receipts ? sendgridEventKeys() : undefined;
    const emailEnv: Record<string, string> = options.emailFallback
      ? {
          EMAIL_FALLBACK: 'sendgrid',
          SENDGRID_API_KEY: `SG.${randomBytes(8).toString('hex')}.${randomBytes(8).toString('hex')}`,
          SENDGRID_FROM_EMAIL: 'codes@example.com',
          SENDGRID_API_BASE_URL: simUrl,
        }
      : {};
    const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
    const serviceArgs = (service: string) => {
      const args = options.compiled
        ? compiledServiceArgs(join(root, 'services', service))
        : nodeServiceArgs(join(root, 'services', service, 'src', 'main.ts'));
      // The simulator is a test tool, not a service we ship: it keeps every message in memory (SIM_MAX_RECORDS,
      // up to 50 000 in the benchmarks), so the services' heap bounds do not apply to it.
      return service === 'provider-sim' ? args.filter((a) => !SERVICE_NODE_FLAGS.includes(a as never)) : args;
    };

    const sim = await ServiceProcess.start(
      {
        name: 'provider-sim',
        args: serviceArgs('provider-sim'),
        env: {
          ...env,
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
        },
        ready: { url: `${simUrl}/healthz` },
        readyTimeoutMs,
      },
      simUrl,
    );
    services.push(sim);

    const ingresses: ServiceProcess[] = [];
    for (const [index, port] of ingressPorts.entries()) {
      const ingress = await ServiceProcess.start(
        {
          name: ingressCount > 1 ? `hook-ingress-${index + 1}` : 'hook-ingress',
          args: serviceArgs('hook-ingress'),
          env: {
            ...env,
            ...receiptEnv,
            // The providers in use: Vonage's callbacks are served only when it is one of them.
            ...(vonageKey
              ? {
                  SMS_PROVIDERS: failoverEnv.SMS_PROVIDERS as string,
                  VOICE_PROVIDERS: failoverEnv.VOICE_PROVIDERS as string,
                }
              : {}),
            ...(sendgridEvents ? { SENDGRID_EVENT_PUBLIC_KEY: sendgridEvents.publicKey } : {}),
            PORT: String(port),
            HOST,
            // The admin port (metrics, dashboard) defaults to 0.0.0.0:9100: on loopback, and free, so two systems
            // (or a developer's `npm start`) can run side by side.
            ADMIN_PORT: String(await getFreePort()),
            ADMIN_HOST: HOST,
            // The fraud controls run with their defaults, except that the simulator's magic numbers (Twilio's test
            // numbers, +1500555…, NANP's 500 personal-number range) must reach it: PERSONAL_NUMBER is not blocked.
            BLOCKED_NUMBER_TYPES: 'PREMIUM_RATE,SHARED_COST,UAN,PAGER,VOICEMAIL',
            ...options.ingressEnv,
          },
          ready: { url: `http://${HOST}:${port}/readyz` },
          readyTimeoutMs,
        },
        `http://${HOST}:${port}`,
      );
      ingresses.push(ingress);
      services.push(ingress);
    }

    const workers: ServiceProcess[] = [];
    const voiceWorkers: ServiceProcess[] = [];
    const startChannelWorker = async (
      channel: 'sms' | 'voice',
      extraEnv: Record<string, string> = {},
    ): Promise<ServiceProcess> => {
      const list = channel === 'sms' ? workers : voiceWorkers;
      const healthPort = await getFreePort();
      const concurrency = channel === 'sms' ? options.smsConcurrency : options.voiceConcurrency;
      const worker = await ServiceProcess.start(
        {
          name: `${channel}-worker-${list.length + 1}`,
          args: serviceArgs(`${channel}-worker`),
          env: {
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
          },
          ready: { url: `http://${HOST}:${healthPort}/readyz` },
          readyTimeoutMs,
        },
        `http://${HOST}:${healthPort}`,
      );
      list.push(worker);
      services.push(worker);
      return worker;
    };
    // Started one after the other: on two cores, parallel TypeScript start-ups mostly wait on each other.
    for (let i = 0; i < (options.smsWorkers ?? 1); i++) await startChannelWorker('sms');
    for (let i = 0; i < (options.voiceWorkers ?? 0); i++) await startChannelWorker('voice');

    const ingress = ingresses[0] as ServiceProcess;
    let stopped: Promise<void> | undefined;
    const system: RunningSystem = {
      redis,
      sim,
      simUrl,
      twilioUrl,
      ingress,
      ingresses,
      ingressUrl,
      hookUrl: `${ingressUrl}/v1/okta/telephony`,
      balancer,
      workers,
      voiceWorkers,
      env,
      hookSecret,
      adminToken,
      all: () => [...services],
      startWorker: (extraEnv) => startChannelWorker('sms', extraEnv),
      startVoiceWorker: (extraEnv) => startChannelWorker('voice', extraEnv),
      workerHealthUrl: (worker) => worker.healthUrl,
      healthUrls: () =>
        services.map((s) => ({
          name: s.name,
          url: `${s.healthUrl}/${s.name === 'provider-sim' ? 'healthz' : 'readyz'}`,
        })),
      sendHook: (body, sendOptions) => sendHook(system, body, sendOptions),
      simMessages: (query) => simMessages(system, query),
      setSimFaults: (faults, provider) => setSimFaults(system, faults, provider),
      setSimCallbacks: (provider, settings) => setSimCallbacks(system, provider, settings),
      delivery: (eventId) => getDelivery(system, eventId),
      stop: () => {
        stopped ??= stopEverything(services);
        return stopped;
      },
    };
    return system;
  } catch (error) {
    await stopEverything(services);
    throw error;
  }
}

/** The simulated Vonage application's key pair: the Voice API's request JWTs are signed with it. */
function vonagePrivateKey(): string {
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
