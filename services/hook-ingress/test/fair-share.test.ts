/**
 * Fair share at enqueue (issue 13, ADR 0020), on a real Redis with real BullMQ: tenant A enqueues 2 000 codes at
 * once through the hook's dispatcher, tenant B one code a second. With the fair share B's codes go ahead of A's
 * backlog (they wait behind the jobs already in progress only); without it (plain FIFO, the single-org setup)
 * each of B's codes waits behind the rest of A's burst. Proven by ORDER — how many jobs started between B's
 * enqueue and B's start — which a loaded machine cannot blur; the times (hook to provider, B alone vs beside A)
 * are printed as figures, not asserted.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUES, type SendJob } from '@byot/contracts';
import { DeliveryStore, OutcomeListener } from '@byot/delivery';
import { createLogger } from '@byot/observability';
import { closeQueue, closeRedis, createKeyspace, createRedisConnection, createSendQueue } from '@byot/redis';
import { createSealer } from '@byot/sealing';
import { FairShare } from '@byot/tenancy';
import { oktaHookRequest, sharedTestRedis, uniquePrefix } from '@byot/testkit';
import { Worker } from 'bullmq';
import { Dispatcher } from '../src/delivery/dispatcher.ts';
import { type AcceptedHook, isRejection, parseHook } from '../src/okta/parse-hook.ts';

const BURST = 2_000;
const B_CODES = 5;
const CONCURRENCY = 4;
const SERVICE_MS = 6;

let redisUrl: string;
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
});

interface Run {
  /** For each of B's codes: jobs that started after it was enqueued and before it started. */
  bJobsAhead: number[];
  /** For each of B's codes: ms from the hook's arrival to the provider call (the job's start). */
  bHookToProviderMs: number[];
}

async function run(options: {
  fair: boolean;
  burst: number;
  pace?: { perSecond: number; burst: number };
}): Promise<Run> {
  const log = createLogger({ service: 'test', level: 'silent' });
  const keyspace = createKeyspace(uniquePrefix('fair'));
  const producer = createRedisConnection({
    url: redisUrl,
    role: 'producer',
    name: 'p',
    commandTimeoutMs: 5_000,
  });
  const subscriber = createRedisConnection({ url: redisUrl, role: 'subscriber', name: 's' });
  const workerConn = createRedisConnection({ url: redisUrl, role: 'worker', name: 'w' });
  const leaver = createRedisConnection({ url: redisUrl, role: 'worker', name: 'l' });
  const queues = {
    sms: createSendQueue('sms', producer, keyspace),
    voice: createSendQueue('voice', producer, keyspace),
  };
  await Promise.all(Object.values(queues).map((q) => q.getJobCounts('waiting')));
  const outcomes = new OutcomeListener(subscriber, keyspace);
  await outcomes.start();
  const fair = new FairShare(producer, keyspace);
  const workerFair = new FairShare(leaver, keyspace);
  const dispatcher = new Dispatcher({
    queues,
    store: new DeliveryStore(producer, keyspace, 60_000),
    outcomes,
    sealer: createSealer(randomBytes(32)),
    log,
    enqueueTimeoutMs: 5_000,
    maxOtpLifetimeMs: 1_800_000,
    queueConnected: () => producer.status === 'ready',
    ...(options.fair ? { fairShare: fair } : {}),
    ...(options.pace ? { paceFor: (tenant: string) => (tenant === 'acme' ? options.pace : undefined) } : {}),
  });

  let started = 0;
  const enqueuedAt = new Map<string, { started: number; receivedAt: number }>();
  const b: { ahead: number; ms: number }[] = [];
  // The provider stand-in: what a send worker does at pickup (leave the waiting line), then a short send.
  const worker = new Worker<SendJob>(
    QUEUES.sms,
    async (job) => {
      const now = Date.now();
      started++;
      void workerFair.leave(job.queueName, job.data.tenant ?? 'default', job.id as string).catch(() => {});
      if (job.data.tenant === 'globex') {
        const at = enqueuedAt.get(job.data.eventId);
        if (at) b.push({ ahead: started - 1 - at.started, ms: now - at.receivedAt });
      }
      await sleep(SERVICE_MS);
    },
    { connection: workerConn, prefix: keyspace.prefix, concurrency: CONCURRENCY },
  );

  const hook = (): AcceptedHook => {
    const parsed = parseHook(oktaHookRequest({ phoneNumber: '+14155550123' }), {
      defaultRegion: 'US',
      minLifetimeMs: 5_000,
    });
    assert.ok(!isRejection(parsed));
    return parsed;
  };
  // No waiting for outcomes: the deadline is now (the hook would answer PENDING); only the enqueue matters here.
  const dispatch = (tenant: string) => {
    const h = hook();
    const receivedAt = Date.now();
    enqueuedAt.set(tenant === 'default' ? h.eventId : `${tenant}.${h.eventId}`, { started, receivedAt });
    return dispatcher.dispatch(h, receivedAt, receivedAt, tenant);
  };

  try {
    const burst = Promise.all(Array.from({ length: options.burst }, () => dispatch('acme')));
    for (let i = 0; i < B_CODES; i++) {
      await sleep(i === 0 ? 300 : 1_000);
      await dispatch('globex');
    }
    await burst;
    const deadline = Date.now() + 60_000;
    while (b.length < B_CODES && Date.now() < deadline) await sleep(50);
    return {
      bJobsAhead: b.map((x) => x.ahead),
      bHookToProviderMs: b.map((x) => x.ms),
    };
  } finally {
    await worker.close(true);
    await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true }).catch(() => {})));
    await Promise.all(Object.values(queues).map((q) => closeQueue(q, 500)));
    await Promise.all([
      closeRedis(producer),
      closeRedis(subscriber),
      closeRedis(workerConn),
      closeRedis(leaver),
    ]);
  }
}

const p99 = (values: number[]) =>
  [...values].sort((x, y) => x - y)[Math.ceil(values.length * 0.99) - 1] ?? NaN;

/**
 * The send pace (ADR 0023) through the same dispatcher: what BullMQ was asked to hold back, read from the jobs
 * themselves (their `delay`), and what each hook answered. No timing is asserted.
 */
async function pacedBurst(count: number, pace: { perSecond: number; burst: number }) {
  const log = createLogger({ service: 'test', level: 'silent' });
  const keyspace = createKeyspace(uniquePrefix('pace'));
  const producer = createRedisConnection({
    url: redisUrl,
    role: 'producer',
    name: 'p',
    commandTimeoutMs: 5_000,
  });
  const subscriber = createRedisConnection({ url: redisUrl, role: 'subscriber', name: 's' });
  const queues = {
    sms: createSendQueue('sms', producer, keyspace),
    voice: createSendQueue('voice', producer, keyspace),
  };
  const outcomes = new OutcomeListener(subscriber, keyspace);
  await outcomes.start();
  const dispatcher = new Dispatcher({
    queues,
    store: new DeliveryStore(producer, keyspace, 60_000),
    outcomes,
    sealer: createSealer(randomBytes(32)),
    log,
    enqueueTimeoutMs: 5_000,
    maxOtpLifetimeMs: 1_800_000,
    queueConnected: () => producer.status === 'ready',
    fairShare: new FairShare(producer, keyspace),
    paceFor: (tenant) => (tenant === 'acme' ? pace : undefined),
  });
  const hook = (): AcceptedHook => {
    const parsed = parseHook(oktaHookRequest({ phoneNumber: '+14155550123' }), {
      defaultRegion: 'US',
      minLifetimeMs: 5_000,
    });
    assert.ok(!isRejection(parsed));
    return parsed;
  };
  try {
    // A budget of 1.5 s: an unpaced code with no worker running waits all of it; a paced one only 1 s.
    const dispatch = async (tenant: string) => {
      const receivedAt = Date.now();
      const result = await dispatcher.dispatch(hook(), receivedAt + 1_500, receivedAt, tenant);
      return { kind: result.kind, waitedMs: Date.now() - receivedAt };
    };
    const answers = await Promise.all(Array.from({ length: count }, () => dispatch('acme')));
    const quiet = await dispatch('globex');
    const jobs = await queues.sms.getJobs(['delayed', 'prioritized', 'waiting']);
    const delayOf = (tenant: string) =>
      jobs
        .filter((j) => j.data.tenant === tenant)
        .map((j) => j.delay ?? 0)
        .sort((a, b) => a - b);
    return { answers, quiet, acmeDelays: delayOf('acme'), globexDelays: delayOf('globex') };
  } finally {
    await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true }).catch(() => {})));
    await Promise.all(Object.values(queues).map((q) => closeQueue(q, 500)));
    await Promise.all([closeRedis(producer), closeRedis(subscriber)]);
  }
}

describe('send pace per tenant at enqueue', () => {
  it("spreads one tenant's burst over time at its pace; every code is queued, none refused; the other tenant is not paced", async () => {
    const pace = { perSecond: 100, burst: 20 };
    const { answers, quiet, acmeDelays, globexDelays } = await pacedBurst(200, pace);
    // Every code was taken: PENDING (nothing sends here), none handed back to Okta.
    assert.deepEqual(new Set(answers.map((a) => a.kind)), new Set(['pending']));
    assert.equal(acmeDelays.length, 200);
    // The first `burst` go at once; the others one interval (10 ms) apart, less what the enqueue itself took.
    assert.equal(acmeDelays.filter((d) => d === 0).length >= pace.burst, true);
    const last = acmeDelays.at(-1) ?? 0;
    const ideal = ((200 - pace.burst) * 1000) / pace.perSecond;
    assert.ok(last <= ideal && last >= ideal - 1_000, `the last code is held ${last} ms (ideal ${ideal} ms)`);
    for (let i = pace.burst + 10; i < 200; i += 10) {
      const expected = ((i - pace.burst + 1) * 1000) / pace.perSecond;
      assert.ok((acmeDelays[i] ?? 0) <= expected, `code ${i} held ${acmeDelays[i]} ms (> ${expected})`);
    }
    // A paced code's hook is answered after about a second, not at the end of the budget.
    const paced = answers.slice(-50);
    assert.ok(
      paced.every((a) => a.waitedMs < 1_450),
      `paced answers waited ${paced.map((a) => a.waitedMs)}`,
    );
    // globex has no pace of its own here and acme's spent pace is not its: no delay.
    assert.deepEqual(globexDelays, [0]);
    assert.equal(quiet.kind, 'pending');
  });
});

describe('fair share at enqueue: a noisy neighbour', () => {
  it(`B's codes are not held behind A's burst of ${BURST} (priority = rank in the tenant's waiting line)`, async (t) => {
    const alone = await run({ fair: true, burst: 0 });
    const fair = await run({ fair: true, burst: BURST });
    const fifo = await run({ fair: false, burst: BURST });
    t.diagnostic(
      `B alone:        jobs ahead ${alone.bJobsAhead.join(',')}; hook→provider ms ${alone.bHookToProviderMs.join(',')} (p99 ${p99(alone.bHookToProviderMs)})`,
    );
    t.diagnostic(
      `B beside A, fair: jobs ahead ${fair.bJobsAhead.join(',')}; hook→provider ms ${fair.bHookToProviderMs.join(',')} (p99 ${p99(fair.bHookToProviderMs)})`,
    );
    t.diagnostic(
      `B beside A, FIFO: jobs ahead ${fifo.bJobsAhead.join(',')}; hook→provider ms ${fifo.bHookToProviderMs.join(',')} (p99 ${p99(fifo.bHookToProviderMs)})`,
    );
    assert.equal(fair.bJobsAhead.length, B_CODES);
    assert.equal(fifo.bJobsAhead.length, B_CODES);
    // Fair: each of B's codes waits behind at most the jobs already in progress (the worker's concurrency), and a
    // few BullMQ fetches already under way — never behind A's backlog.
    for (const ahead of fair.bJobsAhead)
      assert.ok(ahead <= 2 * CONCURRENCY + 2, `fair: ${ahead} jobs ahead of B`);
    // FIFO: B's first code waits behind the bulk of A's burst — what the fair share prevents.
    assert.ok(
      (fifo.bJobsAhead[0] ?? 0) >= 200,
      `FIFO: B's first code had only ${fifo.bJobsAhead[0]} jobs ahead`,
    );
  });
});
