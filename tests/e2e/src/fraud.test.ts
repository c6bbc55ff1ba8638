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

describe('anomaly holds end to end (a scaled clock: 2 s windows, 4 s of learning)', () => {
  let held: RunningSystem;
  before(async () => {
    held = await startSystem({
      ingresses: 2,
      ingressEnv: {
        ALLOWED_COUNTRIES: 'GB',
        ANOMALY_HOLD_WINDOW: '2s',
        ANOMALY_HOLD_BASELINE: '4s',
        ANOMALY_HOLD_DURATION: '1m',
      },
    });
  });
  after(async () => {
    await held?.stop();
  });
  const enroll = (phoneNumber: string, userId?: string) =>
    sendHook(
      held,
      oktaHookRequest({
        phoneNumber,
        requestType: 'com.okta.user.telephony.pre-enrollment',
        ...(userId ? { userId } : {}),
      }),
    );

  it('holds the rented range an attack spreads over, not the country; new and known people still enroll; an operator lifts it', async () => {
    // A person on the range the bot will rent signs in (the learning clock starts at the tenant's first hook; the
    // number becomes known).
    const person = '+447712355555';
    const signIn = await sendHook(held, oktaHookRequest({ phoneNumber: person }));
    assert.equal(signIn.action?.status, 'SUCCESSFUL');
    await new Promise((resolve) => setTimeout(resolve, 4_300));
    // The bot: pre-enrollments to numbers of one 100 000-range, each in another 1 000-block, fresh accounts.
    const pumped = Array.from(
      { length: 40 },
      (_, i) => `+4477123${String(i).padStart(2, '0')}${String(100 + i).padStart(3, '0')}`,
    );
    const answers: string[] = [];
    for (const [i, phone] of pumped.entries()) {
      const answer = await enroll(phone, `00uBot${String(i).padStart(14, '0')}`);
      answers.push(answer.action?.transactionMetadata ?? answer.action?.status ?? String(answer.status));
    }
    const first = answers.indexOf('blocked: destination range on hold (unusual volume)');
    // About 20 codes (ANOMALY_HOLD_MIN_CODES) pass before the hold: a code or two more when the burst straddles a
    // window edge (the previous window counts by its overlap).
    assert.ok(first >= 10 && first <= 23, answers.join(' | '));
    assert.ok(
      answers.slice(first).every((a) => a === 'blocked: destination range on hold (unusual volume)'),
      answers.join(' | '),
    );
    // A new GB user on another range, and the known number enrolling again inside the held range: both pass.
    assert.equal((await enroll('+447400812345')).action?.status, 'SUCCESSFUL');
    assert.equal((await enroll(person)).action?.status, 'SUCCESSFUL');
    // Refused codes reached no provider.
    for (const phone of pumped.slice(first))
      assert.equal((await simMessages(held, { to: phone, outcome: 'any' })).length, 0);
    // Operators see the range (masked) and lift it; the range's numbers enroll again.
    const list = async () =>
      (
        (await (
          await fetch(`${held.ingressUrl}/v1/blocks`, {
            headers: { authorization: `Bearer ${held.adminToken}` },
          })
        ).json()) as { blocks: { id: string; kind: string; label: string }[] }
      ).blocks;
    const holds = (await list()).filter((b) => b.kind === 'hold');
    assert.deepEqual(
      holds.map((b) => b.label),
      ['+4477123•••••'],
    );
    assert.ok(!JSON.stringify(await list()).includes('7712300'), 'no number in the list');
    const lifted = await fetch(`${held.ingressUrl}/v1/blocks/${holds[0]?.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${held.adminToken}` },
    });
    assert.equal(lifted.status, 200);
    assert.equal((await enroll('+447712399999', '00uAfterLift000000001')).action?.status, 'SUCCESSFUL');
  });
});
