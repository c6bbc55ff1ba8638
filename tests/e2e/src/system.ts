import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  getFreePort,
  type ManagedProcess,
  nodeServiceArgs,
  RedisServerProcess,
  repoRoot,
  startProcess,
} from '@byot/testkit';
import Ajv2020 from 'ajv/dist/2020.js';

export const HOOK_SECRET = `Basic ${randomBytes(24).toString('base64')}`;
export const SANDBOX = {
  TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
  TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
  TWILIO_FROM_NUMBER: '+15005550006',
};

/** Validates an answer against the JSON Schema of Okta's hook response (shared/specs). */
export function responseValidator(): (body: unknown) => boolean {
  const schema = JSON.parse(
    readFileSync(join(repoRoot(), '..', 'shared', 'specs', 'okta-telephony-hook.schema.json'), 'utf8'),
  );
  const ajv = new Ajv2020.default({ strict: false });
  return ajv.compile({ ...schema.$defs.response, $defs: schema.$defs });
}

export interface RunningSystem {
  redis: RedisServerProcess;
  sim: ManagedProcess;
  simUrl: string;
  ingress: ManagedProcess;
  ingressUrl: string;
  workers: ManagedProcess[];
  env: Record<string, string>;
  all(): ManagedProcess[];
  startWorker(extraEnv?: Record<string, string>): Promise<ManagedProcess>;
  workerHealthUrl(worker: ManagedProcess): string;
  stop(): Promise<void>;
}

/** The whole system as separate OS processes on loopback: what production runs, minus real providers. */
export const VONAGE_SANDBOX = {
  VONAGE_API_KEY: 'e2ekey01',
  VONAGE_API_SECRET: randomBytes(12).toString('hex'),
  VONAGE_FROM_NUMBER: '+15005550100',
};

export interface SystemOptions {
  budgetMs?: number;
  workerEnv?: Record<string, string>;
  /** Twilio primary, Vonage backup; Twilio on its own simulator port so a drill can take it "down". */
  failover?: boolean;
  /** SendGrid e-mail as the last resort. */
  emailFallback?: boolean;
}

export async function startSystem(options: SystemOptions = {}) {
  const redis = await RedisServerProcess.start({ appendonly: true });
  const simPort = await getFreePort();
  const twilioPort = await getFreePort();
  const ingressPort = await getFreePort();
  const simUrl = `http://127.0.0.1:${simPort}`;
  const failoverEnv: Record<string, string> = options.failover
    ? {
        ...VONAGE_SANDBOX,
        SMS_PROVIDERS: 'twilio,vonage',
        VONAGE_REST_HOST: simUrl,
        VONAGE_API_HOST: simUrl,
        BREAKER_FAILURE_THRESHOLD: '3',
        BREAKER_COOLDOWN_MS: '3000',
      }
    : {};
  const emailEnv: Record<string, string> = options.emailFallback
    ? {
        EMAIL_FALLBACK: 'sendgrid',
        SENDGRID_API_KEY: `SG.${randomBytes(8).toString('hex')}.${randomBytes(8).toString('hex')}`,
        SENDGRID_FROM_EMAIL: 'codes@example.com',
        SENDGRID_API_BASE_URL: simUrl,
      }
    : {};
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    OKTA_HOOK_AUTH_SECRET: HOOK_SECRET,
    HOOK_RESPONSE_BUDGET_MS: String(options.budgetMs ?? 2_000),
    LOG_LEVEL: 'debug',
    ...SANDBOX,
  };
  const root = repoRoot();
  const sim = await startProcess({
    name: 'provider-sim',
    args: nodeServiceArgs(join(root, 'services/provider-sim/src/main.ts')),
    env: {
      ...env,
      ...failoverEnv,
      ...emailEnv,
      PORT: String(simPort),
      HOST: '127.0.0.1',
      SIM_TWILIO_PORT: String(twilioPort),
    },
    ready: { url: `${simUrl}/healthz` },
  });
  const workers: ManagedProcess[] = [];
  const healthUrls = new Map<ManagedProcess, string>();
  const startWorker = async (extraEnv: Record<string, string> = {}) => {
    const healthPort = await getFreePort();
    const worker = await startProcess({
      name: `sms-worker-${workers.length + 1}`,
      args: nodeServiceArgs(join(root, 'services/sms-worker/src/main.ts')),
      env: {
        ...env,
        ...failoverEnv,
        ...emailEnv,
        // Twilio's own simulator port: `down` refuses connections there, as a dead provider would.
        TWILIO_API_BASE_URL: `http://127.0.0.1:${twilioPort}`,
        HEALTH_PORT: String(healthPort),
        HEALTH_HOST: '127.0.0.1',
        ...options.workerEnv,
        ...extraEnv,
      },
      ready: { url: `http://127.0.0.1:${healthPort}/readyz` },
    });
    healthUrls.set(worker, `http://127.0.0.1:${healthPort}`);
    workers.push(worker);
    return worker;
  };
  await startWorker();
  const ingress = await startProcess({
    name: 'hook-ingress',
    args: nodeServiceArgs(join(root, 'services/hook-ingress/src/main.ts')),
    env: { ...env, PORT: String(ingressPort), HOST: '127.0.0.1' },
    ready: { url: `http://127.0.0.1:${ingressPort}/readyz` },
  });
  const system: RunningSystem = {
    redis,
    sim,
    simUrl,
    ingress,
    ingressUrl: `http://127.0.0.1:${ingressPort}`,
    workers,
    env,
    all: () => [sim, ingress, ...workers],
    startWorker,
    workerHealthUrl: (worker) => healthUrls.get(worker) ?? '',
    stop: async () => {
      await Promise.all([ingress, ...workers, sim].map((p) => p.stop('SIGTERM', 15_000).catch(() => {})));
      await redis.stop();
    },
  };
  return system;
}

export interface HookAnswer {
  status: number;
  ms: number;
  body: {
    commands?: {
      value: { status: string; provider?: string; transactionId?: string; transactionMetadata?: string }[];
    }[];
    error?: { errorSummary: string };
  };
  action:
    | { status: string; provider?: string; transactionId?: string; transactionMetadata?: string }
    | undefined;
}

export async function sendHook(system: RunningSystem, body: unknown): Promise<HookAnswer> {
  const started = performance.now();
  const response = await fetch(`${system.ingressUrl}/v1/okta/telephony`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: HOOK_SECRET },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(3_000),
  });
  const json = (await response.json()) as HookAnswer['body'];
  return {
    status: response.status,
    ms: performance.now() - started,
    body: json,
    action: json.commands?.[0]?.value[0],
  };
}

export interface SimMessage {
  provider: string;
  sid: string;
  to: string;
  body?: string;
  channel: string;
  validityPeriod?: number;
  receivedAt: number;
}

export async function simMessages(system: RunningSystem, to: string): Promise<SimMessage[]> {
  const response = await fetch(`${system.simUrl}/sim/messages?to=${encodeURIComponent(to)}`);
  return ((await response.json()) as { messages: SimMessage[] }).messages;
}

export async function setSimFaults(
  system: RunningSystem,
  faults: Record<string, unknown> | null,
  provider = 'twilio',
): Promise<void> {
  const response = await fetch(`${system.simUrl}/sim/faults/${provider}`, {
    method: faults ? 'PUT' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    ...(faults ? { body: JSON.stringify(faults) } : {}),
  });
  if (!response.ok) throw new Error(`sim faults: HTTP ${response.status} ${await response.text()}`);
}

let nextPhone = Math.floor(Math.random() * 10_000);
/**
 * A valid-looking US number per test, sequential from a random start so no two tests in a run share one (their
 * "delivered exactly once" counts would see each other's messages).
 */
export function testPhone(): string {
  return `+1415555${String(nextPhone++ % 10_000).padStart(4, '0')}`;
}
