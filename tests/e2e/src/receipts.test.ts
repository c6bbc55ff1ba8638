/**
 * Delivery receipts end to end, through real processes: the simulator's Twilio reports an accepted SMS
 * undelivered with a signed status callback, hook-ingress verifies and queues it, a worker records it in the
 * ledger and sends the code on through Vonage before it expires — once, however the callbacks are duplicated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  getDelivery,
  oktaHookRequest,
  type RunningSystem,
  sendHook,
  setSimCallbacks,
  simMessages,
  startSystem,
} from '@byot/testkit';
import { testPhone } from './system.ts';

interface Ledger {
  delivery: string;
  otpExpiresAt: string;
  reroutedAfter?: string;
  delivered?: { at: string; provider: string; latencyMs?: number };
  attempts: { n: number; provider: string; status: string; verdict?: string; history?: { raw: string }[] }[];
}

let system: RunningSystem;
before(async () => {
  system = await startSystem({ failover: true, receipts: true });
});
after(async () => {
  await system?.stop();
});

async function ledgerOf(eventId: string): Promise<Ledger> {
  const found = await getDelivery(system, eventId);
  assert.equal(found.status, 200, `lookup answered ${found.status}`);
  return found.body as Ledger;
}

describe('delivery receipts', () => {
  it('a delivered SMS shows in the ledger with its delivery latency', async (t) => {
    await setSimCallbacks(system, 'twilio', null);
    const phone = testPhone();
    const hook = oktaHookRequest({ phoneNumber: phone });
    const answer = await sendHook(system, hook);
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    const ledger = await eventually(
      async () => {
        const l = await ledgerOf(hook.eventId);
        assert.equal(l.delivery, 'delivered');
        return l;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    assert.equal(ledger.delivered?.provider, 'twilio');
    assert.ok((ledger.delivered?.latencyMs ?? -1) > 0);
    assert.deepEqual(
      ledger.attempts.map((a) => [a.provider, a.status, a.verdict]),
      [['twilio', 'delivered', 'delivered']],
    );
    t.diagnostic(`delivery latency (hook → delivered receipt): ${ledger.delivered?.latencyMs} ms`);
  });

  it('an SMS the carrier reports undelivered reaches the person through the backup before the code expires, once', async (t) => {
    await setSimCallbacks(system, 'twilio', {
      sms: { undelivered: 1, errorCode: 30003 },
      delayMs: { min: 50, max: 200 },
      duplicateRate: 1, // every report twice
      outOfOrderRate: 0.5,
    });
    const phone = testPhone();
    const hook = oktaHookRequest({ phoneNumber: phone, expiresInMs: 120_000 });
    const otp = hook.data.messageProfile.otpCode;
    const answer = await sendHook(system, hook);
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    assert.equal(answer.action?.provider, 'TWILIO');

    const ledger = await eventually(
      async () => {
        const l = await ledgerOf(hook.eventId);
        assert.equal(l.delivery, 'delivered');
        return l;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const expiresAt = Date.parse(ledger.otpExpiresAt);
    const messages = await simMessages(system, phone);
    assert.deepEqual(
      messages.map((m) => m.provider).sort(),
      ['twilio', 'vonage'],
      'the undelivered one and its resend, nothing more',
    );
    const backup = messages.find((m) => m.provider === 'vonage');
    assert.ok(backup?.body?.includes(otp), 'the resend carries the same code');
    assert.ok((backup?.receivedAt ?? Number.POSITIVE_INFINITY) < expiresAt, 'sent before the code expired');
    assert.equal(ledger.delivered?.provider, 'vonage');
    assert.equal(ledger.reroutedAfter, 'twilio sms undelivered 30003');
    assert.deepEqual(
      ledger.attempts.map((a) => [a.n, a.provider, a.status, a.verdict]),
      [
        [1, 'twilio', 'undelivered', 'failed'],
        [2, 'vonage', 'delivered', 'delivered'],
      ],
    );
    // Duplicated reports keep arriving for a while: still exactly one resend.
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal((await simMessages(system, phone)).length, 2);
    t.diagnostic(`ledger for an undelivered SMS rerouted to the backup:\n${JSON.stringify(ledger, null, 2)}`);
  });
});
