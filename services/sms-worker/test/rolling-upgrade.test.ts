/**
 * A rolling upgrade from the single-org release (issue 13): what it left in Redis — a queued job without a
 * tenant, a delivery whose worker died mid-send, an accepted delivery still waiting for its receipt, an open
 * Twilio breaker — is completed by the new sms-worker as the tenant `default`, on the same keys. Twice: with the
 * environment still describing the deployment, and after the operator moved it into a tenants file whose
 * `default` tenant sits beside others.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobIdFor } from '@byot/contracts';
import { CircuitBreakers } from '@byot/delivery';
import { closeQueue, createStatusQueue, enqueue } from '@byot/redis';
import { UsageCounters, utcDay } from '@byot/tenancy';
import { eventually } from '@byot/testkit';
import {
  enqueueJob,
  phone,
  sendJob,
  startTenantWorld,
  type TenantWorld,
  VONAGE_FROM,
} from './tenant-world.ts';

const OLD_MESSAGE_SID = `SM${'0d'.repeat(16)}`;

for (const scenario of [
  { name: 'the environment, as before', singleOrg: true },
  { name: 'a tenants file with a default tenant', withDefault: true },
]) {
  describe(`rolling upgrade to the tenancy release (${scenario.name})`, () => {
    it('completes the old release’s queued, interrupted and accepted deliveries, and keeps its breaker', async () => {
      const queuedTo = phone();
      const interruptedTo = phone();
      const left: { queued?: string; interrupted?: string; accepted?: string } = {};
      let world: TenantWorld | undefined;
      try {
        world = await startTenantWorld({
          ...scenario,
          env: { BREAKER_COOLDOWN_MS: '60000' },
          prepare: async (old) => {
            // The old release's breaker: Twilio open for SMS, under today's key (no credential set).
            const breakers = new CircuitBreakers(old.redis, old.keyspace, {
              failureThreshold: 1,
              windowMs: 60_000,
              cooldownMs: 60_000,
              probeTimeoutMs: 1_000,
            });
            assert.equal(await breakers.recordFailure('twilio', 'sms'), 'open');
            // A job it queued (no `tenant`: jobs before tenancy have none).
            const queued = sendJob(old, undefined, queuedTo);
            assert.equal('tenant' in queued, false);
            left.queued = queued.eventId;
            // A job whose worker died inside the provider call a minute ago: its record says "sending".
            const interrupted = sendJob(old, undefined, interruptedTo);
            left.interrupted = interrupted.eventId;
            await old.store.beginAttempt(interrupted, 'twilio', 10_000, Date.now() - 60_000);
            // A delivery it sent and recorded, whose receipt comes after the upgrade.
            const accepted = sendJob(old, undefined, phone());
            left.accepted = accepted.eventId;
            await old.store.beginAttempt(accepted, 'twilio', 10_000);
            const at = Date.now();
            await old.store.settleAccepted(
              {
                kind: 'accepted',
                eventId: accepted.eventId,
                provider: 'twilio',
                providerMessageId: OLD_MESSAGE_SID,
                at,
              },
              accepted,
              {
                provider: 'twilio',
                channel: 'sms',
                startedAt: at - 100,
                finishedAt: at,
                result: 'accepted',
                providerMessageId: OLD_MESSAGE_SID,
                status: 'accepted',
                rank: 0,
              },
            );
            await old.queue.add('send', queued, { jobId: jobIdFor(queued.eventId) });
            await old.queue.add('send', interrupted, { jobId: jobIdFor(interrupted.eventId) });
          },
        });
        const w = world;
        for (const [eventId, to] of [
          [left.queued, queuedTo],
          [left.interrupted, interruptedTo],
        ] as const) {
          const outcome = await eventually(async () => {
            const found = await w.store.getOutcome(eventId as string);
            assert.ok(found, 'the old job was not completed');
            return found;
          });
          assert.equal(outcome.kind, 'accepted', JSON.stringify(outcome));
          // The breaker the old release opened is still open: the new worker goes to the backup at once.
          const records = w.sim.sim.store.query({ to, outcome: 'any' });
          assert.deepEqual(
            records.map((r) => [r.provider, r.outcome]),
            [['vonage', 'accepted']],
          );
          assert.equal(records[0]?.from, VONAGE_FROM);
        }
        assert.match(w.worker.output(), /resuming after an attempt whose outcome is unknown/);
        assert.match(w.worker.output(), /provider skipped: breaker open/);

        // The old delivery's receipt lands in its ledger record, and counts for the default tenant.
        const statusQueue = createStatusQueue(w.redis, w.keyspace);
        try {
          const now = Date.now();
          await enqueue(statusQueue, 'receipt', {
            version: 1,
            provider: 'twilio',
            channel: 'sms',
            providerMessageId: OLD_MESSAGE_SID,
            status: 'delivered',
            rawStatus: 'delivered',
            occurredAt: now,
            receivedAt: now,
          });
          await eventually(async () => {
            const ledger = await w.store.getLedger(left.accepted as string);
            assert.equal(ledger?.attempts[0]?.verdict, 'delivered');
          });
        } finally {
          await closeQueue(statusQueue);
        }
        await eventually(async () => {
          const [counted] = await new UsageCounters(w.redis, w.keyspace).read(
            ['default'],
            [utcDay(Date.now())],
          );
          assert.equal(counted?.counters['receipts|sms|-|-|twilio|delivered'], 1);
          assert.equal(counted?.counters['codes|sms|mfa|US|vonage|sent'], 2);
        });

        // New work of the default tenant still sends (and other tenants, with a file, their own way).
        const to = phone();
        const fresh = await enqueueJob(w, sendJob(w, 'default', to));
        const outcome = await eventually(async () => {
          const found = await w.store.getOutcome(fresh);
          assert.ok(found);
          return found;
        });
        assert.equal(outcome.kind, 'accepted');
        // Its key is today's key: the tenancy release added no second breaker for the default tenant.
        assert.equal(await w.redis.hget(w.keyspace.breaker('twilio', 'sms'), 'state'), 'open');
      } finally {
        await world?.close();
      }
    });
  });
}
