/**
 * Two tenants through one voice-worker process (issue 13): each call is placed under the tenant's own Twilio
 * subaccount, from its own caller ID, with call progress reported to the tenant's own callback path.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deliveryIdFor, jobIdFor, type SendJob, scopedEventId } from '@byot/contracts';
import { DeliveryStore } from '@byot/delivery';
import { startTestSimulator, type TestSimulator } from '@byot/provider-sim/testing';
import { closeQueue, closeRedis, createKeyspace, createRedisConnection, createSendQueue } from '@byot/redis';
import { createSealer } from '@byot/sealing';
import {
  demoTenants,
  demoTenantsFile,
  eventually,
  getFreePort,
  type ManagedProcess,
  nodeServiceArgs,
  repoRoot,
  sharedTestRedis,
  startProcess,
  uniquePrefix,
} from '@byot/testkit';
import type { Redis } from 'ioredis';

const PUBLIC_BASE_URL = 'https://byot.example.com';
const tenants = demoTenants(['acme', 'globex']);
const key = randomBytes(32);
const prefix = uniquePrefix('voice-tenancy');
let sim: TestSimulator;
let worker: ManagedProcess;
let redis: Redis;

before(async () => {
  const redisUrl = (await sharedTestRedis()).url;
  sim = await startTestSimulator({
    twilio: {
      subaccounts: tenants.map((t) => ({ accountSid: t.twilio.accountSid, authToken: t.twilio.authToken })),
    },
  });
  const { yaml, env } = demoTenantsFile(tenants);
  const file = join(mkdtempSync(join(tmpdir(), 'byot-voice-tenants-')), 'tenants.yaml');
  writeFileSync(file, yaml);
  const healthPort = await getFreePort();
  worker = await startProcess({
    name: 'voice-worker',
    args: nodeServiceArgs(join(repoRoot(), 'services/voice-worker/src/main.ts')),
    env: {
      ...env,
      TENANTS_FILE: file,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      DATA_ENCRYPTION_KEY: key.toString('base64'),
      TWILIO_API_BASE_URL: sim.url,
      PUBLIC_BASE_URL,
      HEALTH_PORT: String(healthPort),
      HEALTH_HOST: '127.0.0.1',
    },
    ready: { url: `http://127.0.0.1:${healthPort}/readyz` },
  });
  redis = createRedisConnection({ url: redisUrl, role: 'worker', name: 'voice-tenancy-test' });
});

after(async () => {
  await worker?.stop('SIGTERM', 20_000);
  await closeRedis(redis);
  await sim?.close();
});

describe('voice-worker with a tenants file', () => {
  it("calls with each tenant's own subaccount, caller ID and callback path", async () => {
    const keyspace = createKeyspace(prefix);
    const queue = createSendQueue('voice', redis, keyspace);
    const store = new DeliveryStore(redis, keyspace, 60_000);
    const sealer = createSealer(key);
    try {
      for (const [i, tenant] of tenants.entries()) {
        // Each tenant's number in its own block (+1415555 7xxx, 8xxx): the simulator is looked up by number, and
        // two tenants drawing the same one would find each other's call.
        const to = `+1415555${7000 + i * 1000 + Math.floor(Math.random() * 1000)}`;
        const eventId = scopedEventId(tenant.id, `evt${randomBytes(6).toString('hex')}`);
        const now = Date.now();
        const job: SendJob = {
          version: 1,
          eventId,
          tenant: tenant.id,
          deliveryId: deliveryIdFor(eventId),
          channel: 'voice',
          requestType: 'com.okta.user.telephony.mfa-verification',
          otpExpiresAt: now + 300_000,
          receivedAt: now,
          phoneMasked: '+1••••••••00',
          sealed: sealer.sealJson({ otpCode: '482913', phoneE164: to }, eventId),
        };
        await queue.add('send', job, { jobId: jobIdFor(eventId) });
        const outcome = await eventually(async () => {
          const found = await store.getOutcome(eventId);
          assert.ok(found);
          return found;
        });
        assert.equal(outcome.kind, 'accepted', JSON.stringify(outcome));
        const [call, ...more] = sim.sim.store.query({ channel: 'voice', to });
        assert.equal(more.length, 0);
        assert.ok(call?.outcome === 'accepted');
        assert.equal(call.accountSid, tenant.twilio.accountSid);
        assert.equal(call.from, tenant.twilio.voiceFromNumber);
        assert.equal(call.statusCallback, `${PUBLIC_BASE_URL}/v1/callbacks/${tenant.id}/twilio/calls`);
      }
    } finally {
      await closeQueue(queue);
    }
  });
});
