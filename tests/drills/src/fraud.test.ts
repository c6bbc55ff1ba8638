import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePhoneNumber } from '@byot/contracts';
import {
  fraudMetrics,
  LEASED_RANGES,
  LEGIT_COUNTRIES,
  legitPerson,
  PUMPED_BLOCK,
  pumpingPerson,
  shuffleIndex,
  spreadPumpingPerson,
} from './fraud.ts';
import type { ScenarioMetrics } from './metrics.ts';
import { BASE_THRESHOLDS, evaluate } from './thresholds.ts';
import type { HookRecord } from './types.ts';

const parse = (phone: string) => normalisePhoneNumber(phone, 'US');

describe('the pumping drills’ people', () => {
  it('legitimate traffic: random valid mobiles in every allowed country, one user each, the request mix', () => {
    const people = Array.from({ length: 1_400 }, (_, i) => legitPerson(i, 123));
    assert.deepEqual(new Set(people.map((p) => p.country)), new Set(LEGIT_COUNTRIES));
    // Random, not a walk: no two people share a number (the drills match providers' records by it), and their
    // blocks come in no order.
    assert.equal(new Set(people.map((p) => p.phoneNumber)).size, people.length);
    const many = Array.from({ length: 30_000 }, (_, i) => legitPerson(i, 98_765).phoneNumber);
    assert.equal(new Set(many).size, many.length, 'unique over a long run too');
    const gb = people.filter((p) => p.country === 'GB').map((p) => Number(p.phoneNumber.slice(-6, -3)));
    const ordered = gb.slice(1).filter((b, k) => b === ((gb[k] as number) + 1) % 1000).length;
    assert.ok(ordered < 5, `blocks in sequence: ${ordered}`);
    assert.notDeepEqual(legitPerson(0, 1).phoneNumber, legitPerson(0, 2).phoneNumber, 'runs differ');
    assert.equal(new Set(people.map((p) => p.userId)).size, people.length);
    for (const p of people.filter((_, i) => i % 13 === 0)) {
      const parsed = parse(p.phoneNumber);
      assert.ok(
        parsed.ok &&
          parsed.country === p.country &&
          ['MOBILE', 'FIXED_LINE_OR_MOBILE'].includes(parsed.type ?? ''),
      );
    }
    const share = (type: string) => people.filter((p) => p.requestType.endsWith(type)).length / people.length;
    assert.equal(share('mfa-verification'), 0.8);
    assert.equal(share('pre-enrollment'), 0.1);
  });

  it('shuffles indexes without repeating one (a bijection of 0 … 999 999)', () => {
    const seen = new Set<number>();
    for (let k = 0; k < 1_000_000; k++) seen.add(shuffleIndex(k, 4242));
    assert.equal(seen.size, 1_000_000);
    assert.ok([...seen].every((n) => n >= 0 && n < 1_000_000));
  });

  it('attack 1: sequential numbers of one block, premium-rate numbers and an off-list country, all enrollments', () => {
    const attack = Array.from({ length: 300 }, (_, i) => pumpingPerson(i, PUMPED_BLOCK));
    assert.ok(attack.every((p) => p.requestType === 'com.okta.user.telephony.pre-enrollment'));
    const types = attack.map((p) => {
      const parsed = parse(p.phoneNumber);
      return parsed.ok ? `${parsed.country}:${parsed.type}` : 'invalid';
    });
    assert.equal(types.filter((t) => t === 'GB:PREMIUM_RATE').length, 90);
    assert.equal(types.filter((t) => t === 'UZ:MOBILE').length, 30);
    const block = attack.filter((p) => p.phoneNumber.startsWith(PUMPED_BLOCK));
    assert.equal(block.length, 180);
    assert.ok(block.every((p) => parse(p.phoneNumber).ok));
    assert.ok(new Set(attack.map((p) => p.userId)).size >= 100, 'a fresh account every 3 hooks');
    // The legitimate traffic never touches the attacked block.
    const legit = Array.from({ length: 7_000 }, (_, i) => legitPerson(i, 0));
    assert.ok(legit.every((p) => !p.phoneNumber.startsWith(PUMPED_BLOCK)));
  });

  it('attack 2: one country, 400 1 000-blocks of four rented ranges, a block seeing one code in 400', () => {
    const attack = Array.from({ length: 4_000 }, (_, i) => spreadPumpingPerson(i, 777));
    assert.equal(new Set(attack.map((p) => p.phoneNumber)).size, 4_000, 'every number its own');
    assert.equal(new Set(attack.map((p) => p.phoneNumber.slice(0, -3))).size, 400);
    assert.equal(new Set(attack.slice(0, 400).map((p) => p.phoneNumber.slice(0, -3))).size, 400);
    assert.deepEqual(new Set(attack.map((p) => p.phoneNumber.slice(0, -5))), new Set(LEASED_RANGES));
    for (const p of attack.filter((_, i) => i % 97 === 0)) {
      const parsed = parse(p.phoneNumber);
      assert.ok(parsed.ok && parsed.country === 'GB' && parsed.type === 'MOBILE', p.phoneNumber);
    }
    // No legitimate person is on a rented range (they are on GB's large ones).
    const legit = Array.from({ length: 7_000 }, (_, i) => legitPerson(i, 777));
    assert.ok(legit.every((p) => !LEASED_RANGES.some((r) => p.phoneNumber.startsWith(r))));
  });
});

const hook = (over: Partial<HookRecord>): HookRecord => ({
  eventId: 'e',
  channel: 'sms',
  phone: '+447712555001',
  otp: '123456',
  phase: 'fault',
  sentAt: 0,
  expiresAt: 300_000,
  httpStatus: 200,
  latencyMs: 20,
  ...over,
});

describe('judging a pumping drill', () => {
  it('counts attack codes that reached a provider, what refused the rest, and legitimate refusals', () => {
    const attack = [
      hook({ phone: '+447712555001', answer: 'PENDING' }),
      hook({ phone: '+447712555002', answer: 'FAILED', metadata: 'blocked: per-prefix limit' }),
      hook({
        phone: '+448711000002',
        answer: 'FAILED',
        metadata: 'blocked: number type not allowed (PREMIUM_RATE)',
      }),
      hook({
        phone: '+447712555003',
        answer: 'FAILED',
        metadata: 'blocked: per-prefix limit',
        latencyMs: 3_500,
      }),
    ];
    const legit = [
      hook({ phone: '+14155550100', answer: 'SUCCESSFUL' }),
      hook({
        phone: '+447400100100',
        answer: 'FAILED',
        metadata: 'blocked: destination country on hold (unusual volume)',
      }),
    ];
    const deliveries = [
      {
        provider: 'twilio',
        channel: 'sms',
        to: '+447712555001',
        text: '',
        receivedAt: 1,
        status: 'delivered',
        sid: 'SM1',
      },
    ];
    const m = fraudMetrics(legit, attack, deliveries, 3_000);
    assert.equal(m.attackSent, 4);
    assert.equal(m.attackReachedProvider, 1);
    assert.equal(m.attackBlockedPct, 75);
    assert.deepEqual(m.attackRefusedBy, {
      'per-prefix limit': 2,
      'number type not allowed (PREMIUM_RATE)': 1,
    });
    assert.equal(m.attackInWindowPct, 75);
    assert.equal(m.legitRefused, 1);
    assert.equal(m.legitRefusedByHold, 1);
    assert.equal(m.firstHoldMs, undefined, 'no attack code was held');
    const later = [
      hook({ sentAt: 1_000, answer: 'PENDING' }),
      hook({
        sentAt: 2_500,
        answer: 'FAILED',
        metadata: 'blocked: destination range on hold (unusual volume)',
      }),
      hook({
        sentAt: 1_700,
        answer: 'FAILED',
        metadata: 'blocked: destination range on hold (unusual volume)',
      }),
    ];
    assert.equal(fraudMetrics([], later, [], 3_000).firstHoldMs, 700);
    const gbAttack = [hook({ sentAt: 1_000, country: 'GB' }), hook({ sentAt: 1_100, country: 'GB' })];
    const people = [
      hook({ sentAt: 900, country: 'GB', requestType: 'enrollment' }), // before the attack
      hook({ sentAt: 1_200, country: 'GB', requestType: 'enrollment', answer: 'PENDING' }),
      hook({
        sentAt: 1_300,
        country: 'GB',
        requestType: 'enrollment',
        answer: 'FAILED',
        metadata: 'blocked: x',
      }),
      hook({ sentAt: 1_400, country: 'GB', requestType: 'mfa' }),
      hook({ sentAt: 1_500, country: 'DE', requestType: 'enrollment' }),
    ];
    assert.deepEqual(fraudMetrics(people, gbAttack, [], 3_000).legitEnrollAttacked, {
      country: 'GB',
      sent: 2,
      refused: 1,
    });

    const metrics = {
      answers: { SUCCESSFUL: 1, PENDING: 0, FAILED: 1, fallback: 0 },
    } as unknown as ScenarioMetrics;
    const collateral = evaluate(
      {
        ...metrics,
        lost: 0,
        deliveredAfterExpiry: 0,
        wrongCode: 0,
        duplicates: 0,
        inWindowPct: 100,
        hooks: 2,
        inFlightAtFault: 0,
        faultAnswers: { SUCCESSFUL: 0, PENDING: 0, FAILED: 0, fallback: 0 },
      } as ScenarioMetrics,
      {
        ...BASE_THRESHOLDS,
        maxFailed: 'hold-collateral',
        minAttackBlockedPct: 95,
        requireHold: 'destination country on hold (unusual volume)',
      },
      m,
    );
    const byName = Object.fromEntries(collateral.map((c) => [c.name, c.pass]));
    assert.equal(byName['legitimate codes refused'], true, 'the one refusal is the hold’s');
    assert.equal(byName['attack codes kept from providers'], false, '75 % < 95 %');
    assert.equal(byName['caught by the anomaly hold'], false, 'no attack code was refused by a hold');
  });
});
