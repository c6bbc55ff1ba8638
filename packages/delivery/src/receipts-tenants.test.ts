/**
 * Receipts of many tenants, against a real Redis: each receipt is counted for the tenant whose delivery it reports
 * on and for the provider account (credential set) that sent the attempt — in the console's provider figures and
 * in the usage counters — and a ledger entry written before entries named their account still settles as before.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type SendJob, type StatusEvent, scopedEventId } from '@byot/contracts';
import { createLogger } from '@byot/observability';
import {
  closeRedis,
  createKeyspace,
  createRedisConnection,
  createSendQueue,
  type Keyspace,
} from '@byot/redis';
import { createSealer } from '@byot/sealing';
import { type Tenant, TenantDirectory, UsageCounters, utcDay } from '@byot/tenancy';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createReceiptProcessor } from './receipts.ts';
import { DeliveryStore } from './records/delivery-store.ts';
import { DEFAULT_RETRY_SETTINGS } from './retry-policy.ts';
import { breakerCredentialSet, TenantRoutes } from './routes/tenant-routes.ts';
import { createSendProcessor } from './send/send-job.ts';
import { ProviderStatsReader, ProviderStatsRecorder, routeKey } from './stats/provider-stats.ts';

let redis: Redis;
before(async () => {
  redis = createRedisConnection({
    url: (await sharedTestRedis()).url,
    role: 'worker',
    name: 'receipts-tenants',
  });
});
after(async () => {
  await closeRedis(redis);
});

const sealer = createSealer(randomBytes(32));
const log = createLogger({ service: 'test', destination: new PassThrough() });

/** A tenant on its own Twilio (sub)account. */
function tenant(id: string, accountSid: string): Tenant {
  return Object.freeze({
    id,
    origin: 'file' as const,
    hookAuth: { oauthClients: [] },
    defaultRegion: 'US',
    sms: ['twilio' as const],
    voice: ['twilio' as const],
    emailFallback: 'off' as const,
    twilio: { accountSid, authToken: `token-of-${id}`, fromNumber: '+15005550006' },
  });
}

const DEFAULT = tenant('default', `AC${'0'.repeat(32)}`);
const ACME = tenant('acme', `AC${'a'.repeat(32)}`);
const GLOBEX = tenant('globex', `AC${'b'.repeat(32)}`);

function harness() {
  const keyspace: Keyspace = createKeyspace(uniquePrefix('receipts-tenants'));
  const store = new DeliveryStore(redis, keyspace, 60_000);
  const directory = new TenantDirectory(
    {
      origin: 'file',
      tenants: new Map([DEFAULT, ACME, GLOBEX].map((t) => [t.id, t])),
    },
    { retainRemovedMs: 600_000 },
  );
  let counter = 0;
  /** Which account each provider message went out under, as the provider saw it. */
  const sentBy = new Map<string, string>();
  const routes = new TenantRoutes({
    directory,
    log,
    build: async (t, { credentialSet }) => {
      const set = credentialSet('twilio');
      return {
        routes: [
          {
            provider: 'twilio',
            ...(set === undefined ? {} : { credentialSet: set }),
            send: async () => {
              const id = `SM${(++counter).toString().padStart(32, '0')}`;
              sentBy.set(id, t.twilio?.accountSid ?? '');
              return { provider: 'twilio', providerMessageId: id, providerStatus: 'queued' };
            },
          },
        ],
        escalations: [],
      };
    },
  });
  const stats = new ProviderStatsRecorder(redis, keyspace, { flushIntervalMs: 60_000 });
  const usage = new UsageCounters(redis, keyspace);
  const processor = createSendProcessor({
    store,
    sealer,
    log,
    retry: { ...DEFAULT_RETRY_SETTINGS, baseDelayMs: 10, maxDelayMs: 20 },
    attemptStaleAfterMs: 5_000,
    routing: routes.routing,
    onAttempt: stats.events.attempt,
    usage,
  });
  const receipts = createReceiptProcessor({
    store,
    log,
    queues: {
      sms: createSendQueue('sms', redis, keyspace),
      voice: createSendQueue('voice', redis, keyspace),
    },
    minUsefulLifetimeMs: 5_000,
    failover: true,
    events: { receipt: stats.events.receipt },
    usage,
  });
  const asJob = <T>(data: T, name: string) =>
    ({
      id: 'j',
      name,
      data,
      attemptsMade: 0,
      opts: { attempts: 1 },
      moveToDelayed: async () => {},
    }) as unknown as Job<T>;

  /** Okta's eventId for the tenant: the job carries the tenant and the scoped id, as hook-ingress queues it. */
  async function send(
    tenantId: string,
    eventId: string,
  ): Promise<{ eventId: string; providerMessageId: string }> {
    const scoped = scopedEventId(tenantId, eventId);
    const job: SendJob = {
      version: 1,
      eventId: scoped,
      ...(tenantId === 'default' ? {} : { tenant: tenantId }),
      deliveryId: `byot-${scoped}`,
      channel: 'sms',
      requestType: 'com.okta.user.telephony.mfa-verification',
      otpExpiresAt: Date.now() + 300_000,
      receivedAt: Date.now() - 40,
      phoneMasked: '+1••••••••23',
      sealed: sealer.sealJson({ otpCode: '482913', phoneE164: '+14155550123' }, scoped),
    };
    const result = await processor(asJob(job, 'send'), 'token');
    assert.equal(result.result, 'accepted');
    return {
      eventId: scoped,
      providerMessageId: (result as { providerMessageId: string }).providerMessageId,
    };
  }

  function receipt(tenantId: string, providerMessageId: string, status: StatusEvent['status']) {
    const event: StatusEvent = {
      version: 1,
      provider: 'twilio',
      channel: 'sms',
      providerMessageId,
      status,
      rawStatus: status,
      occurredAt: Date.now(),
      receivedAt: Date.now(),
      ...(tenantId === 'default' ? {} : { tenant: tenantId }),
    };
    return receipts(asJob(event, 'status'));
  }

  /** The console's figures for every route, after the recorder's flush. */
  async function routeFigures(): Promise<
    Map<string, { accepted: number; receipts: Record<string, number> }>
  > {
    await stats.flush();
    const health = await new ProviderStatsReader(redis, keyspace).read();
    return new Map(
      health.map((h) => [routeKey(h.route), { accepted: h.window.accepted, receipts: h.window.receipts }]),
    );
  }

  /** A tenant's usage receipts today (counting does not hold up the delivery, so it is awaited here). */
  async function usageReceipts(tenantId: string, expected: number): Promise<Record<string, number>> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const [day] = await usage.read([tenantId], [utcDay(Date.now())]);
      const found = Object.fromEntries(
        Object.entries(day?.counters ?? {}).filter(([field]) => field.startsWith('receipts|')),
      );
      const total = Object.values(found).reduce((a, b) => a + b, 0);
      if (total >= expected || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  return { keyspace, store, sentBy, send, receipt, routeFigures, usageReceipts, stop: () => routes.stop() };
}

const ACME_SET = breakerCredentialSet(ACME, 'twilio') as string;
const GLOBEX_SET = breakerCredentialSet(GLOBEX, 'twilio') as string;

describe('receipts of many tenants', () => {
  it('count each receipt for its own tenant and account, in the provider figures and in usage', async () => {
    assert.ok(ACME_SET && GLOBEX_SET && ACME_SET !== GLOBEX_SET, 'two subaccounts, two credential sets');
    const h = harness();
    // The same Okta eventId in both orgs: two deliveries, two ledger records.
    const eventId = `evt${randomBytes(6).toString('hex')}`;
    const acme = await h.send('acme', eventId);
    const globex = await h.send('globex', eventId);
    const globex2 = await h.send('globex', `evt${randomBytes(6).toString('hex')}`);
    assert.equal(h.sentBy.get(acme.providerMessageId), ACME.twilio?.accountSid);
    assert.equal(h.sentBy.get(globex.providerMessageId), GLOBEX.twilio?.accountSid);

    // The ledger names the account each attempt was sent with.
    const acmeLedger = await h.store.getLedger(acme.eventId);
    const globexLedger = await h.store.getLedger(globex.eventId);
    assert.equal(acmeLedger?.attempts[0]?.credentialSet, ACME_SET);
    assert.equal(globexLedger?.attempts[0]?.credentialSet, GLOBEX_SET);

    assert.equal((await h.receipt('acme', acme.providerMessageId, 'delivered')).result, 'recorded');
    assert.equal((await h.receipt('globex', globex.providerMessageId, 'delivered')).result, 'recorded');
    // A failure receipt: counted for globex's account too (and the code goes on by globex's next route).
    assert.equal((await h.receipt('globex', globex2.providerMessageId, 'failed')).result, 'rerouted');

    const figures = await h.routeFigures();
    assert.deepEqual(Object.fromEntries(figures), {
      [`acme|sms|twilio|${ACME_SET}`]: { accepted: 1, receipts: { delivered: 1 } },
      [`globex|sms|twilio|${GLOBEX_SET}`]: { accepted: 2, receipts: { delivered: 1, failed: 1 } },
    });
    assert.ok(
      ![...figures.keys()].some((key) => key.startsWith('default|')),
      'no receipt of another tenant lands on the default route',
    );
    assert.deepEqual(await h.usageReceipts('acme', 1), { 'receipts|sms|-|-|twilio|delivered': 1 });
    assert.deepEqual(await h.usageReceipts('globex', 2), {
      'receipts|sms|-|-|twilio|delivered': 1,
      'receipts|sms|-|-|twilio|failed': 1,
    });
    assert.deepEqual(await h.usageReceipts('default', 0), {});
    h.stop();
  });

  it("ignores a receipt on one tenant's callback path that names another tenant's message", async () => {
    const h = harness();
    const globex = await h.send('globex', `evt${randomBytes(6).toString('hex')}`);
    const plain = await h.send('default', `evt${randomBytes(6).toString('hex')}`);
    const before = JSON.stringify(await h.store.getLedger(globex.eventId));
    // acme's path (verified with acme's secrets) speaking of globex's and of the default tenant's messages.
    assert.equal((await h.receipt('acme', globex.providerMessageId, 'failed')).result, 'other-tenant');
    assert.equal((await h.receipt('acme', plain.providerMessageId, 'delivered')).result, 'other-tenant');
    // Today's unprefixed path is the default tenant's: it cannot speak of globex's message either.
    assert.equal((await h.receipt('default', globex.providerMessageId, 'delivered')).result, 'other-tenant');
    assert.equal(
      JSON.stringify(await h.store.getLedger(globex.eventId)),
      before,
      "globex's record is untouched",
    );
    assert.equal((await h.store.getLedger(plain.eventId))?.record.deliveredVia, undefined);
    // Its own path still works.
    assert.equal((await h.receipt('globex', globex.providerMessageId, 'delivered')).result, 'recorded');
    assert.equal((await h.store.getLedger(globex.eventId))?.record.deliveredVia, 'twilio');
    h.stop();
  });

  it('settles a ledger entry written before entries named their account, on the routes it was counted on then', async () => {
    const h = harness();
    // The default tenant: today's keys, no credential set on its route or its entries.
    const plain = await h.send('default', `evt${randomBytes(6).toString('hex')}`);
    assert.equal((await h.store.getLedger(plain.eventId))?.attempts[0]?.credentialSet, undefined);
    // An acme entry as a worker of the previous release left it: the same entry without `credentialSet`.
    const old = await h.send('acme', `evt${randomBytes(6).toString('hex')}`);
    const attempts = h.keyspace.attempts(old.eventId);
    const { credentialSet: _dropped, ...previous } = JSON.parse((await redis.lindex(attempts, 0)) as string);
    await redis.lset(attempts, 0, JSON.stringify(previous));

    assert.equal((await h.receipt('default', plain.providerMessageId, 'delivered')).result, 'recorded');
    assert.equal((await h.receipt('acme', old.providerMessageId, 'delivered')).result, 'recorded');
    assert.equal((await h.store.getLedger(plain.eventId))?.record.deliveredVia, 'twilio');
    assert.equal((await h.store.getLedger(old.eventId))?.record.deliveredVia, 'twilio');

    const figures = await h.routeFigures();
    assert.deepEqual(figures.get('default|sms|twilio|default'), { accepted: 1, receipts: { delivered: 1 } });
    // The old entry names no account: its receipt goes on acme's tenant, on the account-less row, as before.
    assert.deepEqual(figures.get('acme|sms|twilio|default')?.receipts, { delivered: 1 });
    assert.deepEqual(await h.usageReceipts('default', 1), { 'receipts|sms|-|-|twilio|delivered': 1 });
    assert.deepEqual(await h.usageReceipts('acme', 1), { 'receipts|sms|-|-|twilio|delivered': 1 });
    h.stop();
  });
});
