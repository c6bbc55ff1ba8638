/**
 * Many tenants through one sms-worker process (issue 13): each tenant's codes leave under its own Twilio
 * subaccount and sender number, with status callbacks on its own paths; a tenant the file does not name gets
 * nothing sent; one tenant's suspended subaccount (Twilio 401 / 20003 for that account only) opens that
 * account's breaker and moves that tenant alone to its backup, while the others keep Twilio.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestSimulator } from '@byot/provider-sim/testing';
import { closeQueue, createStatusQueue, enqueue } from '@byot/redis';
import { credentialSetOf, UsageCounters, utcDay } from '@byot/tenancy';
import { eventually } from '@byot/testkit';
import {
  enqueueJob,
  PUBLIC_BASE_URL,
  phone,
  sendJob,
  startTenantWorld,
  type TenantWorld,
  VONAGE_FROM,
} from './tenant-world.ts';

type SimRecord = ReturnType<TestSimulator['sim']['store']['query']>[number];
type AcceptedRecord = Extract<SimRecord, { outcome: 'accepted' }>;

let world: TenantWorld;
before(async () => {
  world = await startTenantWorld({ env: { BREAKER_FAILURE_THRESHOLD: '2', BREAKER_COOLDOWN_MS: '60000' } });
});
after(async () => {
  await world?.close();
});

async function outcomeOf(eventId: string) {
  return eventually(async () => {
    const found = await world.store.getOutcome(eventId);
    assert.ok(found, `no outcome yet for ${eventId}`);
    return found;
  });
}

function accepted(to: string): AcceptedRecord[] {
  return world.sim.sim.store.query({ to }).filter((r): r is AcceptedRecord => r.outcome === 'accepted');
}

describe('sms-worker with a tenants file', () => {
  it("sends each tenant's code with its own subaccount, sender number and callback path, never another's", async () => {
    const sent = [];
    for (const tenant of world.tenants) {
      for (let i = 0; i < 2; i++) {
        const to = phone();
        const eventId = await enqueueJob(world, sendJob(world, tenant.id, to));
        sent.push({ tenant, to, eventId });
      }
    }
    for (const { tenant, to, eventId } of sent) {
      const outcome = await outcomeOf(eventId);
      assert.equal(outcome.kind, 'accepted', JSON.stringify(outcome));
      const [message, ...more] = accepted(to);
      assert.ok(message, `${tenant.id}: nothing reached the simulator`);
      assert.equal(more.length, 0);
      assert.equal(message.provider, 'twilio');
      assert.equal(message.accountSid, tenant.twilio.accountSid, `${tenant.id} sent under another account`);
      assert.equal(message.from, tenant.twilio.fromNumber, `${tenant.id} sent from another number`);
      assert.equal(message.statusCallback, `${PUBLIC_BASE_URL}/v1/callbacks/${tenant.id}/twilio/messages`);
      assert.equal(outcome.kind === 'accepted' && outcome.providerMessageId, message.sid);
    }
    // The record is the tenant's own (its scoped event id) and says so in the log. The outcome is published before
    // the worker's "provider accepted" line reaches its piped output, so wait for the line rather than race it.
    await eventually(() => {
      assert.match(world.worker.output(), /"tenant":"acme"/);
      assert.match(world.worker.output(), /"tenant":"globex"/);
    });
  });

  it('fails the code of a tenant the file does not name, and of the absent default tenant, sending nothing', async () => {
    for (const tenant of ['initech', undefined]) {
      const to = phone();
      const eventId = await enqueueJob(world, sendJob(world, tenant, to));
      const outcome = await outcomeOf(eventId);
      assert.equal(outcome.kind, 'failed');
      assert.match(
        outcome.kind === 'failed' ? outcome.reason : '',
        new RegExp(`tenant "${tenant ?? 'default'}" is not served`),
      );
      assert.equal(world.sim.sim.store.query({ to, outcome: 'any' }).length, 0, 'something was sent');
    }
  });

  it("a suspended subaccount opens that tenant's Twilio breaker only: it fails over to Vonage, the other keeps Twilio", async () => {
    const [acme, globex] = world.tenants as [(typeof world.tenants)[0], (typeof world.tenants)[0]];
    world.sim.sim.twilioAccounts.setStatus(acme.twilio.accountSid, 'suspended');
    try {
      const acmeSends = [];
      for (let i = 0; i < 4; i++) {
        const to = phone();
        const eventId = await enqueueJob(world, sendJob(world, acme.id, to));
        // One at a time: the breaker's count is what decides, not a race between concurrent jobs.
        const outcome = await outcomeOf(eventId);
        assert.equal(outcome.kind, 'accepted', JSON.stringify(outcome));
        acmeSends.push({ to, outcome });
      }
      for (const { to } of acmeSends) {
        const [message] = accepted(to);
        assert.equal(message?.provider, 'vonage', 'acme was not moved to its backup');
        assert.equal(message?.from, VONAGE_FROM);
      }
      // Twilio refused acme's first two (401 / 20003), then its breaker opened: later codes skip Twilio at once.
      const refused = acmeSends.flatMap(({ to }) =>
        world.sim.sim.store.query({ to, outcome: 'rejected' }).filter((r) => r.provider === 'twilio'),
      );
      assert.equal(refused.length, 2, 'twilio was tried after the breaker opened');
      assert.ok(
        refused.every((r) => r.outcome !== 'accepted' && r.httpStatus === 401 && r.errorCode === 20003),
      );

      const acmeSet = credentialSetOf(world.parsed.get('acme') as never, 'twilio');
      const globexSet = credentialSetOf(world.parsed.get('globex') as never, 'twilio');
      assert.ok(acmeSet && globexSet && acmeSet !== globexSet);
      const state = async (set: string | undefined) =>
        world.redis.hget(world.keyspace.breaker('twilio', 'sms', set), 'state');
      assert.equal(await state(acmeSet), 'open');
      assert.notEqual(await state(globexSet), 'open');
      assert.equal(
        await world.redis.exists(world.keyspace.breaker('twilio', 'sms')),
        0,
        "today's key untouched",
      );

      // globex, same worker, same moment: still Twilio, its own subaccount.
      for (let i = 0; i < 3; i++) {
        const to = phone();
        const outcome = await outcomeOf(await enqueueJob(world, sendJob(world, globex.id, to)));
        assert.equal(outcome.kind, 'accepted');
        const [message] = accepted(to);
        assert.equal(message?.provider, 'twilio');
        assert.equal(message?.accountSid, globex.twilio.accountSid);
      }

      // The worker's breaker view lists both accounts apart.
      const breakers = (await (await fetch(`${world.healthUrl}/breakers`)).json()) as Array<{
        provider: string;
        credentialSet?: string;
        state: string;
      }>;
      const twilioStates = Object.fromEntries(
        breakers.filter((b) => b.provider === 'twilio').map((b) => [b.credentialSet, b.state]),
      );
      assert.equal(twilioStates[acmeSet], 'open');
      assert.equal(twilioStates[globexSet], 'closed');
      assert.match(world.worker.output(), /circuit breaker opened/);
      // So does the gauge, each account by its credential set (never a secret), and the sends carry the tenant.
      const metrics = await (await fetch(`${world.healthUrl}/metrics`)).text();
      assert.ok(
        metrics.includes(`byot_breaker_state{provider="twilio",channel="sms",account="${acmeSet}"} 2`),
        metrics,
      );
      assert.ok(
        metrics.includes(`byot_breaker_state{provider="twilio",channel="sms",account="${globexSet}"} 0`),
      );
      assert.match(metrics, /byot_provider_sends_total\{[^}]*outcome="accepted",tenant="globex"\} \d+/);
      assert.ok(!metrics.includes(acme.twilio.authToken) && !metrics.includes(acme.twilio.accountSid));
    } finally {
      world.sim.sim.twilioAccounts.setStatus(acme.twilio.accountSid, 'active');
    }
  });

  it("counts each tenant's usage at the outcome: codes by provider, messages, segments, failovers, receipts", async () => {
    // A delivered receipt for one of globex's messages, as hook-ingress queues a verified callback.
    const to = phone();
    const outcome = await outcomeOf(await enqueueJob(world, sendJob(world, 'globex', to)));
    assert.equal(outcome.kind, 'accepted');
    const statusQueue = createStatusQueue(world.redis, world.keyspace);
    try {
      const now = Date.now();
      await enqueue(statusQueue, 'receipt', {
        version: 1,
        // It came in on globex's callback path: a receipt speaks only of its own tenant's deliveries.
        tenant: 'globex',
        provider: 'twilio',
        channel: 'sms',
        providerMessageId: outcome.kind === 'accepted' ? outcome.providerMessageId : '',
        status: 'delivered',
        rawStatus: 'delivered',
        occurredAt: now,
        receivedAt: now,
      });
      const usage = new UsageCounters(world.redis, world.keyspace);
      const day = utcDay(Date.now());
      const counters = await eventually(async () => {
        const days = await usage.read(['acme', 'globex', 'initech', 'default'], [day]);
        const byTenant = Object.fromEntries(days.map((d) => [d.tenant, d.counters]));
        assert.equal(byTenant.globex?.['receipts|sms|-|-|twilio|delivered'], 1, JSON.stringify(byTenant));
        return byTenant;
      });
      // acme: 2 by its own Twilio subaccount, then 4 moved to Vonage by the suspension (2 refused, 2 skipped).
      assert.deepEqual(counters.acme, {
        'codes|sms|mfa|US|twilio|sent': 2,
        'messages|sms|-|US|twilio|-': 2,
        'segments|sms|-|US|twilio|-': 2,
        'codes|sms|mfa|US|vonage|sent': 4,
        'messages|sms|-|US|vonage|-': 4,
        'segments|sms|-|US|vonage|-': 4,
        'failovers|sms|-|US|twilio>vonage|-': 4,
      });
      // globex: 2 + 3 + 1, all by Twilio, never a failover; and its receipt.
      assert.deepEqual(counters.globex, {
        'codes|sms|mfa|US|twilio|sent': 6,
        'messages|sms|-|US|twilio|-': 6,
        'segments|sms|-|US|twilio|-': 6,
        'receipts|sms|-|-|twilio|delivered': 1,
      });
      // A tenant the deployment does not serve is not billed for the codes it could not send.
      assert.equal(counters.initech, undefined);
      assert.equal(counters.default, undefined);
    } finally {
      await closeQueue(statusQueue);
    }
  });

  it('logs no code, no secret and no full phone number', () => {
    const output = world.worker.output();
    for (const t of world.tenants) {
      assert.equal(output.includes(t.twilio.authToken), false, 'a Twilio auth token is in the logs');
      assert.equal(output.includes(t.hookSecret), false, 'a hook secret is in the logs');
    }
    assert.equal(/\+1415555\d{4}/.test(output), false, 'a full phone number is in the logs');
  });
});
