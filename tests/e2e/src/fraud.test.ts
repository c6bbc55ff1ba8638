/**
 * The fraud controls end to end, through real processes (two hook-ingress replicas behind a balancer sharing one
 * Redis): a refused code never reaches a provider, Okta hears 200 FAILED naming the rule, the ledger shows why,
 * and an operator can list and lift the block.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  oktaHookRequest,
  type RunningSystem,
  sendHook,
  simMessages,
  startSystem,
} from '@byot/testkit';
import { testPhone } from './system.ts';

let system: RunningSystem;

before(async () => {
  system = await startSystem({
    ingresses: 2,
    ingressEnv: { ALLOWED_COUNTRIES: 'US,CA', LIMIT_PER_NUMBER: '2/15m' },
  });
});
after(async () => {
  await system?.stop();
});

const admin = (method: string, path: string) =>
  fetch(`${system.ingressUrl}${path}`, { method, headers: { authorization: `Bearer ${system.adminToken}` } });

describe('fraud controls end to end', () => {
  it('sends up to the limit across replicas, then refuses with 200 FAILED and sends nothing', async () => {
    const phone = testPhone();
    for (let i = 0; i < 2; i++) {
      const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
      assert.equal(answer.action?.status, 'SUCCESSFUL', `code ${i + 1}`);
    }
    const refused = oktaHookRequest({ phoneNumber: phone });
    const answer = await sendHook(system, refused);
    assert.equal(answer.status, 200);
    assert.equal(answer.action?.status, 'FAILED');
    assert.equal(answer.action?.transactionMetadata, 'blocked: per-number limit');
    const ledger = await eventually(
      async () => {
        const found = await system.delivery(refused.eventId);
        assert.equal(found.status, 200);
        return found.body as {
          delivery: string;
          reason?: string;
          phoneMasked: string;
          blocked?: { rule: string };
        };
      },
      { timeoutMs: 10_000 },
    );
    assert.equal(ledger.delivery, 'blocked');
    assert.equal(ledger.blocked?.rule, 'per-number');
    assert.ok(!JSON.stringify(ledger).includes(phone.slice(2)), 'masked only');
    // Give a wrongly enqueued job every chance to go out: the provider must still have exactly two.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal((await simMessages(system, { to: phone, outcome: 'any' })).length, 2);
  });

  it('refuses premium-rate numbers and countries off the list before any provider sees them', async () => {
    for (const [phone, rule] of [
      ['+19005550123', 'blocked: number type not allowed (PREMIUM_RATE)'],
      ['+447400123456', 'blocked: destination country not allowed'],
    ] as const) {
      const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
      assert.equal(answer.action?.transactionMetadata, rule);
      assert.equal((await simMessages(system, { to: phone, outcome: 'any' })).length, 0);
    }
  });

  it('lists the limited number for operators (masked) and lets them lift it', async () => {
    const phone = testPhone();
    for (let i = 0; i < 3; i++) await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
    const { blocks } = (await (await admin('GET', '/v1/blocks')).json()) as {
      blocks: { id: string; rule: string; label: string }[];
    };
    // The masked label shows the last two digits (an earlier test's number may share them: lift each match).
    const mine = blocks.filter((b) => b.rule === 'per-number' && b.label.endsWith(phone.slice(-2)));
    assert.ok(mine.length > 0, JSON.stringify(blocks));
    assert.ok(!JSON.stringify(blocks).includes(phone.slice(2)));
    for (const block of mine) assert.equal((await admin('DELETE', `/v1/blocks/${block.id}`)).status, 200);
    const after = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
    assert.equal(after.action?.status, 'SUCCESSFUL');
  });
});
