/**
 * An MSP's deployment in miniature for the sms-worker's process tests: the provider simulator with one Twilio
 * subaccount per demo tenant (and a Vonage backup shared by all), a tenants file naming them, and a real
 * sms-worker process reading it. Jobs go into its queue the way hook-ingress puts them: sealed, keyed by the
 * tenant-scoped event id, carrying their tenant.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliveryIdFor, jobIdFor, type SendJob, scopedEventId } from '@byot/contracts';
import { DeliveryStore } from '@byot/delivery';
import { startTestSimulator, type TestSimulator } from '@byot/provider-sim/testing';
import {
  closeQueue,
  closeRedis,
  createKeyspace,
  createRedisConnection,
  createSendQueue,
  type Keyspace,
  type SendQueue,
} from '@byot/redis';
import { createSealer, type Sealer } from '@byot/sealing';
import { loadTenantsFile, type Tenant } from '@byot/tenancy';
import {
  type DemoTenant,
  demoTenants,
  demoTenantsFile,
  getFreePort,
  type ManagedProcess,
  nodeServiceArgs,
  repoRoot,
  sharedTestRedis,
  startProcess,
  uniquePrefix,
} from '@byot/testkit';
import type { Redis } from 'ioredis';

export const PUBLIC_BASE_URL = 'https://byot.example.com';
export const VONAGE_FROM = 'BYOT';

export interface TenantWorld {
  sim: TestSimulator;
  tenants: DemoTenant[];
  /** The tenants as the worker parsed them (for their credential sets). */
  parsed: Map<string, Tenant>;
  worker: ManagedProcess;
  healthUrl: string;
  redis: Redis;
  keyspace: Keyspace;
  queue: SendQueue;
  store: DeliveryStore;
  sealer: Sealer;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Extra environment for the worker (BREAKER_FAILURE_THRESHOLD, …). */
  env?: Record<string, string>;
  /** Also write a `default` tenant into the file (with the simulator's main account). */
  withDefault?: boolean;
  /** Use this key prefix (a rolling upgrade test starts the worker on keys another wrote). */
  prefix?: string;
  dataKey?: Buffer;
  /**
   * No tenants file: the environment describes the one tenant `default` (the simulator's main account, Vonage
   * as its backup), as the single-org release ran.
   */
  singleOrg?: boolean;
  /** Runs before the worker starts, on its keys: what an older release left in Redis. */
  prepare?: (world: Pick<TenantWorld, 'redis' | 'keyspace' | 'queue' | 'store' | 'sealer'>) => Promise<void>;
}

export async function startTenantWorld(options: WorldOptions = {}): Promise<TenantWorld> {
  const redisUrl = (await sharedTestRedis()).url;
  const tenants = demoTenants(['acme', 'globex']);
  const sim = await startTestSimulator({
    twilio: {
      subaccounts: tenants.map((t) => ({
        accountSid: t.twilio.accountSid,
        authToken: t.twilio.authToken,
        friendlyName: t.id,
      })),
    },
  });
  const { yaml, env: fileEnv } = demoTenantsFile(tenants, {
    vonage: { apiKey: sim.sim.vonage.apiKey, apiSecret: sim.sim.vonage.apiSecret, fromNumber: VONAGE_FROM },
  });
  const folder = mkdtempSync(join(tmpdir(), 'byot-sms-tenants-'));
  const file = join(folder, 'tenants.yaml');
  const defaultBlock = options.withDefault
    ? `  default:\n    oktaOrg: https://default.okta.example\n    hookAuth:\n      header: { name: authorization, value: "\${DEFAULT_HOOK_SECRET}" }\n    sms: [twilio, vonage]\n    twilio: { accountSid: "${sim.sim.twilio.accountSid}", authToken: "\${DEFAULT_TWILIO_TOKEN}", fromNumber: "+15005550006" }\n    vonage: { apiKey: ${sim.sim.vonage.apiKey}, apiSecret: "${sim.sim.vonage.apiSecret}", fromNumber: ${VONAGE_FROM} }\n`
    : '';
  const allEnv: Record<string, string> = {
    ...fileEnv,
    ...(options.withDefault
      ? {
          DEFAULT_HOOK_SECRET: randomBytes(24).toString('base64url'),
          DEFAULT_TWILIO_TOKEN: sim.sim.twilio.authToken,
        }
      : {}),
  };
  writeFileSync(file, `${yaml}${defaultBlock}`);
  const loaded = loadTenantsFile(file, { env: allEnv });
  if (!loaded.ok) throw new Error(`test tenants file invalid: ${JSON.stringify(loaded.problems)}`);

  const prefix = options.prefix ?? uniquePrefix('sms-tenancy');
  const key = options.dataKey ?? randomBytes(32);
  const keyspace = createKeyspace(prefix);
  const redis = createRedisConnection({ url: redisUrl, role: 'worker', name: 'sms-tenancy-test' });
  const queue = createSendQueue('sms', redis, keyspace);
  const store = new DeliveryStore(redis, keyspace, 60_000);
  const sealer = createSealer(key);
  await options.prepare?.({ redis, keyspace, queue, store, sealer });
  const accounts = options.singleOrg
    ? {
        TWILIO_ACCOUNT_SID: sim.sim.twilio.accountSid,
        TWILIO_AUTH_TOKEN: sim.sim.twilio.authToken,
        TWILIO_FROM_NUMBER: '+15005550006',
        SMS_PROVIDERS: 'twilio,vonage',
        VONAGE_API_KEY: sim.sim.vonage.apiKey,
        VONAGE_API_SECRET: sim.sim.vonage.apiSecret,
        VONAGE_FROM_NUMBER: VONAGE_FROM,
      }
    : { ...allEnv, TENANTS_FILE: file };
  const healthPort = await getFreePort();
  const worker = await startProcess({
    name: 'sms-worker',
    args: nodeServiceArgs(join(repoRoot(), 'services/sms-worker/src/main.ts')),
    env: {
      ...accounts,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      DATA_ENCRYPTION_KEY: key.toString('base64'),
      TWILIO_API_BASE_URL: sim.url,
      VONAGE_REST_HOST: sim.url,
      VONAGE_API_HOST: sim.url,
      PUBLIC_BASE_URL,
      HEALTH_PORT: String(healthPort),
      HEALTH_HOST: '127.0.0.1',
      RETRY_BASE_DELAY_MS: '20',
      LOG_LEVEL: 'info',
      ...options.env,
    },
    ready: { url: `http://127.0.0.1:${healthPort}/readyz` },
  });
  return {
    sim,
    tenants,
    parsed: new Map(loaded.config.tenants),
    worker,
    healthUrl: `http://127.0.0.1:${healthPort}`,
    redis,
    keyspace,
    queue,
    store,
    sealer,
    async close() {
      await worker.stop('SIGTERM', 20_000);
      await closeQueue(queue);
      await closeRedis(redis);
      await sim.close();
    },
  };
}

// Sequential from a random start: unique within the run.
let nextPhone = Math.floor(Math.random() * 10_000);
export function phone(): string {
  return `+1415555${String(nextPhone++ % 10_000).padStart(4, '0')}`;
}

/** A send job as hook-ingress queues it for `tenant` (undefined: a job of the release before tenancy). */
export function sendJob(
  world: Pick<TenantWorld, 'sealer'>,
  tenant: string | undefined,
  to: string,
  otpCode = `4${String(randomBytes(4).readUInt32BE() % 100_000).padStart(5, '0')}`,
): SendJob {
  const eventId = scopedEventId(tenant, `evt${randomBytes(6).toString('hex')}`);
  const now = Date.now();
  return {
    version: 1,
    eventId,
    ...(tenant === undefined ? {} : { tenant }),
    deliveryId: deliveryIdFor(eventId),
    channel: 'sms',
    requestType: 'com.okta.user.telephony.mfa-verification',
    otpExpiresAt: now + 300_000,
    receivedAt: now,
    phoneMasked: `${to.slice(0, 2)}••••••${to.slice(-2)}`,
    phoneCountry: 'US',
    sealed: world.sealer.sealJson({ otpCode, phoneE164: to }, eventId),
  };
}

export async function enqueueJob(world: Pick<TenantWorld, 'queue'>, job: SendJob): Promise<string> {
  await world.queue.add('send', job, { jobId: jobIdFor(job.eventId) });
  return job.eventId;
}
