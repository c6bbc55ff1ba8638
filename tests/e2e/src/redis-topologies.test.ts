/**
 * The delivery path (hook → queue → sms-worker → provider simulator → status callback → ledger) through real
 * processes on Redis Sentinel and on Redis Cluster (ADR 0017): the same services, only REDIS_SENTINELS… or
 * REDIS_CLUSTER_NODES in their environment.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, getDelivery, oktaHookRequest, sendHook, simMessages, startSystem } from '@byot/testkit';
import { testPhone } from './system.ts';

interface Ledger {
  delivery: string;
  attempts: { provider: string; status: string }[];
}

for (const topology of ['sentinel', 'cluster'] as const) {
  describe(`the delivery path on Redis ${topology}`, () => {
    it('answers SUCCESSFUL, sends each code once, and the receipts reach the ledger', async (t) => {
      const system = await startSystem({ redisTopology: topology, receipts: true, logLevel: 'info' });
      try {
        const hooks = Array.from({ length: 6 }, () => oktaHookRequest({ phoneNumber: testPhone() }));
        const answers = await Promise.all(hooks.map((hook) => sendHook(system, hook)));
        for (const answer of answers)
          assert.equal(answer.action?.status, 'SUCCESSFUL', JSON.stringify(answer.body));
        for (const hook of hooks) {
          const phone = hook.data.messageProfile.phoneNumber;
          const messages = await simMessages(system, phone);
          assert.equal(messages.length, 1);
          await eventually(
            async () => {
              const found = await getDelivery(system, hook.eventId);
              assert.equal(found.status, 200);
              const ledger = found.body as Ledger;
              assert.equal(ledger.delivery, 'delivered');
              assert.deepEqual(
                ledger.attempts.map((a) => a.provider),
                ['twilio'],
              );
            },
            { timeoutMs: 15_000, intervalMs: 200 },
          );
        }
        // The breakers are read in one pipeline on every scrape of a worker's /metrics.
        const scraped = await fetch(`${system.workers[0]?.healthUrl}/metrics`);
        assert.equal(scraped.status, 200);
        assert.match(await scraped.text(), /byot_breaker_state\{[^}]*provider="twilio"/);
        // Every script, MULTI and pipeline of the path (fraud, records, ledger index, breakers, stats) kept to one
        // slot: neither Redis (CROSSSLOT) nor the Cluster client (a pipeline over several slots) refused any.
        const refused = system
          .all()
          .flatMap((service) => service.allLines().map((line) => `${service.name}: ${line}`))
          .filter((line) => /CROSSSLOT|slots allocation group|same slot/i.test(line));
        assert.deepEqual(refused.slice(0, 3), []);
        if (topology === 'cluster' && system.cluster !== undefined) {
          // The records spread: more than one master holds delivery records.
          const perMaster = await system.cluster.keysPerMaster('byot:delivery:{*');
          const holders = perMaster.filter((n) => n > 0);
          t.diagnostic(`delivery records per master: ${perMaster.join(', ')}`);
          assert.ok(holders.length >= 2, 'delivery records spread over the shards');
        }
      } finally {
        await system.stop();
      }
    });
  });
}
