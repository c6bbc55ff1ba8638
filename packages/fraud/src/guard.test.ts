/**
 * The controls against a real Redis: every rule, window edges, concurrency across connections (replicas), the
 * safe list, holds and lifting them, per-tenant settings side by side. Time is the test's: `now` is passed in, so
 * window edges are exact without sleeping (production uses Redis' own clock).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { OktaRequestType } from '@byot/contracts';
import {
  closeRedis,
  createKeyspace,
  createRedisConnection,
  type Keyspace,
  waitUntilReady,
} from '@byot/redis';
import { getFreePort, sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Redis } from 'ioredis';
import { FraudBlocks } from './blocks.ts';
import { FraudGuard, type FraudRequest, type FraudVerdict } from './guard.ts';
import { type FraudPolicy, type FraudPolicyOverride, fraudPolicySchema } from './policy.ts';
import { FraudPolicies } from './tenants.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const ENROLL: OktaRequestType = 'com.okta.user.telephony.pre-enrollment';
const MFA: OktaRequestType = 'com.okta.user.telephony.mfa-verification';

let redisUrl: string;
const connections: Redis[] = [];
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
});
after(async () => {
  await Promise.all(connections.map((c) => closeRedis(c)));
});

async function connect(): Promise<Redis> {
  const redis = createRedisConnection({
    url: redisUrl,
    role: 'producer',
    name: 'fraud-test',
    commandTimeoutMs: 2_000,
  });
  redis.on('error', () => {});
  connections.push(redis);
  await waitUntilReady(redis);
  return redis;
}

interface Setup {
  redis: Redis;
  keyspace: Keyspace;
  guard: FraudGuard;
  blocks: FraudBlocks;
  subjectKey: Buffer;
}

async function setup(): Promise<Setup> {
  const redis = await connect();
  const keyspace = createKeyspace(uniquePrefix('fraud'));
  const subjectKey = randomBytes(32);
  const guard = new FraudGuard({ redis, keyPrefix: keyspace.fraud, subjectKey });
  return { redis, keyspace, guard, subjectKey, blocks: new FraudBlocks(redis, (t) => guard.keys(t)) };
}

/** Limits and holds off unless a test turns them on: each test is about one rule. */
function policy(override: FraudPolicyOverride = {}): FraudPolicy {
  return fraudPolicySchema.parse({
    limitPerNumber: 'off',
    limitPerUser: 'off',
    limitPerPrefix: 'off',
    limitEnrollPerNumber: 'off',
    limitEnrollPerUser: 'off',
    limitEnrollPerPrefix: 'off',
    anomalyHold: 'off',
    ...override,
  });
}

let events = 0;
function hook(overrides: Partial<FraudRequest> = {}): FraudRequest {
  const phoneE164 = overrides.phoneE164 ?? '+447400123456';
  return {
    tenantId: 'default',
    eventId: `ev${(events++).toString(36)}${randomBytes(4).toString('hex')}`,
    requestType: MFA,
    channel: 'sms',
    phoneE164,
    phoneMasked: `+44••••••••${phoneE164.slice(-2)}`,
    phoneCountry: 'GB',
    phoneType: 'MOBILE',
    userId: '00uAdaLovelace000001',
    otpExpiresAt: Date.now() + 5 * MIN,
    ...overrides,
  };
}

const allowed = (v: FraudVerdict) => v.allowed;
const ruleOf = (v: FraudVerdict) => (v.allowed ? 'allowed' : v.rule);

describe('destination rules (no Redis needed)', () => {
  it('refuses a country off the list and a blocked number type, before any counter', async () => {
    const { guard, redis, keyspace } = await setup();
    const p = policy({ allowedCountries: 'US,CA', allowedCountriesVoice: 'US' });
    const gb = await guard.check(p, hook());
    assert.equal(ruleOf(gb), 'country');
    assert.equal(!gb.allowed && gb.description, 'blocked: destination country not allowed');
    const caVoice = await guard.check(
      p,
      hook({ phoneE164: '+14165550100', phoneCountry: 'CA', channel: 'voice' }),
    );
    assert.equal(ruleOf(caVoice), 'country');
    const caSms = await guard.check(p, hook({ phoneE164: '+14165550100', phoneCountry: 'CA' }));
    assert.equal(ruleOf(caSms), 'allowed');
    const premium = await guard.check(
      policy(),
      hook({ phoneE164: '+448712345678', phoneType: 'PREMIUM_RATE' }),
    );
    assert.equal(ruleOf(premium), 'number-type');
    assert.equal(!premium.allowed && premium.description, 'blocked: number type not allowed (PREMIUM_RATE)');
    assert.deepEqual(await redis.keys(`${keyspace.prefix}:*`), [], 'nothing written for these');
  });
});

describe('velocity limits', () => {
  it('lets N through in any window and refuses the next until the oldest leaves (sliding, exact at the edge)', async () => {
    const { guard } = await setup();
    const p = policy({ limitPerNumber: '5/15m' });
    for (let i = 0; i < 5; i++)
      assert.ok(allowed(await guard.check(p, hook(), { now: T0 + i * MIN })), `code ${i + 1}`);
    const sixth = await guard.check(p, hook(), { now: T0 + 5 * MIN });
    assert.equal(ruleOf(sixth), 'per-number');
    assert.equal(!sixth.allowed && sixth.retryAfterMs, 10 * MIN, 'the first code leaves at T0 + 15 min');
    assert.equal(!sixth.allowed && sixth.description, 'blocked: per-number limit');
    assert.equal(
      ruleOf(await guard.check(p, hook(), { now: T0 + 15 * MIN - 1 })),
      'per-number',
      '1 ms before',
    );
    assert.ok(
      allowed(await guard.check(p, hook(), { now: T0 + 15 * MIN })),
      'at the edge the first has left',
    );
    assert.equal(
      ruleOf(await guard.check(p, hook(), { now: T0 + 15 * MIN + 1 })),
      'per-number',
      'full again',
    );
    assert.ok(
      allowed(await guard.check(p, hook(), { now: T0 + 16 * MIN })),
      'the second left at T0 + 16 min',
    );
  });

  it('is a sliding window, not a calendar one: no 2N burst across a boundary', async () => {
    const { guard } = await setup();
    const p = policy({ limitPerNumber: '3/1h' });
    const edge = Math.ceil(T0 / HOUR) * HOUR; // a clock-hour boundary
    for (let i = 0; i < 3; i++) assert.ok(allowed(await guard.check(p, hook(), { now: edge - 1_000 + i })));
    // A fixed window would open a fresh budget at the boundary.
    for (let i = 0; i < 3; i++)
      assert.equal(ruleOf(await guard.check(p, hook(), { now: edge + 1_000 + i })), 'per-number');
  });

  it('counts per user across numbers, per prefix across a 1 000-block, per country and per tenant', async () => {
    const { guard } = await setup();
    const byUser = policy({ limitPerUser: '3/1h' });
    for (let i = 0; i < 3; i++)
      assert.ok(allowed(await guard.check(byUser, hook({ phoneE164: `+4474001234${50 + i}` }), { now: T0 })));
    assert.equal(
      ruleOf(await guard.check(byUser, hook({ phoneE164: '+447400999999' }), { now: T0 })),
      'per-user',
    );
    assert.ok(allowed(await guard.check(byUser, hook({ userId: '00uSomebodyElse00001' }), { now: T0 })));
    assert.ok(
      allowed(await guard.check(byUser, hook({ userId: undefined }), { now: T0 })),
      'no userId: no per-user limit',
    );

    const byPrefix = policy({ limitPerPrefix: '4/1h' });
    for (let i = 0; i < 4; i++)
      assert.ok(
        allowed(await guard.check(byPrefix, hook({ phoneE164: `+447700900${100 + i}` }), { now: T0 })),
      );
    assert.equal(
      ruleOf(await guard.check(byPrefix, hook({ phoneE164: '+447700900999' }), { now: T0 })),
      'per-prefix',
    );
    assert.ok(
      allowed(await guard.check(byPrefix, hook({ phoneE164: '+447700901000' }), { now: T0 })),
      'next block',
    );

    const byCountry = policy({ limitPerCountry: '2/1h' });
    const fr = { phoneCountry: 'FR', phoneE164: '+33612345678' };
    assert.ok(allowed(await guard.check(byCountry, hook({ ...fr }), { now: T0 })));
    assert.ok(allowed(await guard.check(byCountry, hook({ ...fr, phoneE164: '+33698765432' }), { now: T0 })));
    assert.equal(
      ruleOf(await guard.check(byCountry, hook({ ...fr, phoneE164: '+33611111111' }), { now: T0 })),
      'per-country',
    );
    assert.ok(allowed(await guard.check(byCountry, hook(), { now: T0 })), 'GB has its own count');

    const whole = policy({ limitTenant: '2/1d' });
    assert.ok(allowed(await guard.check(whole, hook({ phoneE164: '+447400000001' }), { now: T0 })));
    assert.ok(
      allowed(await guard.check(whole, hook({ phoneE164: '+33612345678', phoneCountry: 'FR' }), { now: T0 })),
    );
    assert.equal(
      ruleOf(await guard.check(whole, hook({ phoneE164: '+14155550100', phoneCountry: 'US' }), { now: T0 })),
      'tenant',
    );
  });

  it('counts a large limit with a sliding-window counter: O(1) memory, the previous window weighted by its overlap', async () => {
    const { guard, blocks, redis, keyspace } = await setup();
    const p = policy({ limitTenant: '1500/1h' });
    const start = Math.floor(T0 / HOUR) * HOUR; // the counter's windows are clock-aligned
    const numbers = (i: number) => ({ phoneE164: `+4474${String(10_000_000 + i).slice(1)}` });
    const results = await Promise.all(
      Array.from({ length: 1_501 }, (_, i) => guard.check(p, hook(numbers(i)), { now: start + 1_000 })),
    );
    assert.equal(results.filter(allowed).length, 1_500);
    assert.equal(ruleOf(results.find((r) => !r.allowed) as FraudVerdict), 'tenant');
    const keys = await redis.keys(`${keyspace.prefix}:*:n:tenant:*`);
    assert.equal(keys.length, 1);
    assert.ok(
      ((await redis.get(keys[0] as string)) ?? '').length < 40,
      'one small string, not 1 500 entries',
    );
    // Half-way through the next hour, half of the last hour still counts: 750 more fit.
    const half = start + HOUR + HOUR / 2;
    const next = await Promise.all(
      Array.from({ length: 751 }, (_, i) => guard.check(p, hook(numbers(2_000 + i)), { now: half })),
    );
    assert.equal(next.filter(allowed).length, 750);
    const [listed] = await blocks.list('default', p, half);
    assert.deepEqual([listed?.rule, listed?.kind === 'limit' && listed.inWindow], ['tenant', 1_500]);
  });

  it('gives pre-enrollment its own, tighter limits, on top of the general ones', async () => {
    const { guard } = await setup();
    const p = policy({ limitPerNumber: '4/1h', limitEnrollPerNumber: '2/1h' });
    assert.ok(allowed(await guard.check(p, hook({ requestType: ENROLL }), { now: T0 })));
    assert.ok(allowed(await guard.check(p, hook({ requestType: ENROLL }), { now: T0 })));
    assert.equal(
      ruleOf(await guard.check(p, hook({ requestType: ENROLL }), { now: T0 })),
      'enroll-per-number',
    );
    // Sign-in codes to the same number still flow, and the enrollments counted against the general limit.
    assert.ok(allowed(await guard.check(p, hook({ requestType: MFA }), { now: T0 })));
    assert.ok(allowed(await guard.check(p, hook({ requestType: MFA }), { now: T0 })));
    assert.equal(ruleOf(await guard.check(p, hook({ requestType: MFA }), { now: T0 })), 'per-number');
  });

  it('is all-or-nothing: a code refused by one limit uses up none of the others', async () => {
    const { guard, blocks } = await setup();
    const p = policy({ limitPerNumber: '3/1h', limitPerPrefix: '2/1h' });
    assert.ok(allowed(await guard.check(p, hook(), { now: T0 })));
    assert.ok(allowed(await guard.check(p, hook(), { now: T0 })));
    const refused = await guard.check(p, hook(), { now: T0 });
    assert.equal(ruleOf(refused), 'per-prefix');
    const [entry] = await blocks.list('default', p, T0);
    assert.equal(entry?.kind, 'limit');
    assert.ok(await blocks.lift(entry?.id ?? '', p, T0), 'the operator resets the prefix');
    // Had the refused code counted against per-number, this would be the 4th.
    assert.ok(allowed(await guard.check(p, hook(), { now: T0 })));
    assert.equal(ruleOf(await guard.check(p, hook(), { now: T0 })), 'per-number');
  });

  it('answers a duplicated hook as it answered the first, and counts it once', async () => {
    const { guard } = await setup();
    const p = policy({ limitPerNumber: '2/1h' });
    const first = hook();
    assert.equal((await guard.check(p, first, { now: T0 })).allowed, true);
    assert.deepEqual(await guard.check(p, first, { now: T0 + 1 }), { allowed: true, via: 'duplicate' });
    assert.ok(allowed(await guard.check(p, hook(), { now: T0 + 2 })), 'the duplicate did not count');
    const third = hook();
    assert.equal(ruleOf(await guard.check(p, third, { now: T0 + 3 })), 'per-number');
    // Even once the window has room again, the refused eventId stays refused: it is never sent later.
    assert.equal(ruleOf(await guard.check(p, third, { now: T0 + 2 * HOUR })), 'per-number');
  });

  it('never lets more than the limit through when 20 hooks for one number race from 4 replicas', async () => {
    const { guard, keyspace, subjectKey } = await setup();
    const replicas = [guard];
    for (let i = 0; i < 3; i++) {
      replicas.push(new FraudGuard({ redis: await connect(), keyPrefix: keyspace.fraud, subjectKey }));
    }
    const p = policy({ limitPerNumber: '5/15m', limitPerUser: '10/1h' });
    // Redis' own clock here (no `now`): the production path.
    const verdicts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (replicas[i % replicas.length] as FraudGuard).check(p, hook())),
    );
    assert.equal(verdicts.filter(allowed).length, 5);
    assert.equal(verdicts.filter((v) => ruleOf(v) === 'per-number').length, 15);
  });
});

describe('the safe list', () => {
  it('bypasses limits and holds, never the country list or the number types', async () => {
    const { guard } = await setup();
    const p = policy({
      allowedCountries: 'GB,US',
      limitPerNumber: '1/1h',
      safeNumbers: '+447400123456',
      safePrefixes: '+1202555',
    });
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await guard.check(p, hook(), { now: T0 }), { allowed: true, via: 'safe-list' });
      assert.ok(
        allowed(await guard.check(p, hook({ phoneE164: '+12025550143', phoneCountry: 'US' }), { now: T0 })),
      );
    }
    const notSafe = { phoneE164: '+447400123457' };
    assert.ok(allowed(await guard.check(p, hook(notSafe), { now: T0 })));
    assert.equal(ruleOf(await guard.check(p, hook(notSafe), { now: T0 })), 'per-number');
    const abroad = policy({ allowedCountries: 'US', safeNumbers: '+447400123456' });
    assert.equal(ruleOf(await guard.check(abroad, hook(), { now: T0 })), 'country');
    const premium = policy({ safeNumbers: '+448712345678' });
    assert.equal(
      ruleOf(await guard.check(premium, hook({ phoneE164: '+448712345678', phoneType: 'PREMIUM_RATE' }))),
      'number-type',
    );
  });
});

describe('anomaly holds', () => {
  // A scaled clock: 10 s windows, a 60 s baseline (and learning period), 30 s holds.
  const anomaly = (override: FraudPolicyOverride = {}) =>
    policy({
      anomalyHold: 'country',
      anomalyHoldWindow: '10s',
      anomalyHoldBaseline: '60s',
      anomalyHoldDuration: '30s',
      ...override,
    });
  let n = 0;
  const enrollTo = (country: string, prefix: string) =>
    hook({
      requestType: ENROLL,
      phoneCountry: country,
      phoneE164: `${prefix}${String(1_000_000 + n++).slice(1)}`,
    });

  /** One enrollment every `everyMs` to `country`, from `from` to `to`; returns the verdicts. */
  async function steady(
    guard: FraudGuard,
    p: FraudPolicy,
    country: string,
    from: number,
    to: number,
    everyMs: number,
  ) {
    const verdicts: FraudVerdict[] = [];
    for (let t = from; t < to; t += everyMs)
      verdicts.push(await guard.check(p, enrollTo(country, '+44740'), { now: t }));
    return verdicts;
  }

  it('learns first, leaves steady traffic alone, and holds a country whose volume jumps ≥ 10× and ≥ 20 codes', async () => {
    const { guard, blocks } = await setup();
    const p = anomaly();
    // Learning: 30 codes in one second at the very start would be a spike, but nothing is held yet.
    for (let i = 0; i < 30; i++)
      assert.ok(allowed(await guard.check(p, enrollTo('DE', '+49151'), { now: T0 + i })));
    // Steady traffic, one enrollment every 8 s (1.25 per window) for 3 minutes: never held.
    const quiet = await steady(guard, p, 'GB', T0, T0 + 3 * MIN, 8_000);
    assert.ok(quiet.every(allowed), 'steady traffic passes');
    // Then a burst: the hold starts once the window holds ≥ 20 codes and ≥ 10× the baseline (here 20 decides;
    // the window's count includes the previous window's share, so a code or two fewer get through).
    const burstAt = T0 + 3 * MIN;
    const burst: FraudVerdict[] = [];
    for (let i = 0; i < 40; i++)
      burst.push(await guard.check(p, enrollTo('GB', '+44741'), { now: burstAt + i * 50 }));
    const through = burst.filter(allowed).length;
    assert.ok(through >= 15 && through <= 19, `codes through before the hold: ${through}`);
    const started = burst.find((v) => !v.allowed && v.holdStarted);
    assert.ok(started && !started.allowed && started.holdStarted);
    assert.equal(started.holdStarted.scope, 'country');
    assert.equal(started.holdStarted.label, 'GB');
    assert.ok(
      started.holdStarted.volume >= 20 && started.holdStarted.baseline < 4,
      JSON.stringify(started.holdStarted),
    );
    assert.equal(started.rule, 'hold-country');
    assert.equal(burst.filter((v) => !v.allowed && v.holdStarted).length, 1, 'one hold, one alert');
    assert.ok(burst.slice(burst.indexOf(started)).every((v) => ruleOf(v) === 'hold-country'));
    // Only the watched request types are held: a sign-in code to GB still goes.
    assert.ok(allowed(await guard.check(p, hook({ requestType: MFA }), { now: burstAt + 3_000 })));
    // Listed for operators, with what it refused.
    const [hold] = await blocks.list('default', p, burstAt + 3_000);
    assert.equal(hold?.kind, 'hold');
    assert.equal(hold?.kind === 'hold' && hold.label, 'GB');
    assert.ok(hold?.kind === 'hold' && hold.refused >= 21);
    // It ends on its own after ANOMALY_HOLD_DURATION; by then the spike has left the window.
    const heldUntil = started.holdUntil as number;
    assert.equal(
      ruleOf(await guard.check(p, enrollTo('GB', '+44742'), { now: heldUntil - 1 })),
      'hold-country',
    );
    assert.ok(allowed(await guard.check(p, enrollTo('GB', '+44742'), { now: heldUntil + 1 })));
  });

  it('measures a burst that crosses a window edge against the baseline from before it', async () => {
    const { guard } = await setup();
    const p = anomaly();
    await steady(guard, p, 'GB', T0, T0 + 3 * MIN - 8_000, 8_000);
    // 12 codes in the last 240 ms of a window, the rest in the next: the window the burst began in must not be
    // taken into the baseline it is measured against (it would lift the threshold from 20 to ~35 codes).
    const edge = T0 + 3 * MIN;
    const burst: FraudVerdict[] = [];
    for (let i = 0; i < 40; i++)
      burst.push(await guard.check(p, enrollTo('GB', '+44741'), { now: edge - 240 + 20 * i }));
    const first = burst.findIndex((v) => !v.allowed);
    assert.ok(first >= 15 && first <= 20, `held after ${first} codes`);
    assert.equal(ruleOf(burst[first] as FraudVerdict), 'hold-country');
  });

  it('does not hold below ANOMALY_HOLD_MIN_CODES, however large the jump', async () => {
    const { guard } = await setup();
    const p = anomaly({ anomalyHoldMinCodes: 25 });
    await steady(guard, p, 'GB', T0, T0 + 2 * MIN, 20_000); // one every 20 s: a baseline of 0.5
    const burst: FraudVerdict[] = [];
    for (let i = 0; i < 23; i++)
      burst.push(await guard.check(p, enrollTo('GB', '+44741'), { now: T0 + 2 * MIN + 100 * i }));
    assert.ok(burst.every(allowed), '23 codes < 25');
  });

  it('holds a prefix walked through by sequential numbers, sparing the rest of the country', async () => {
    const { guard } = await setup();
    const p = anomaly({ anomalyHold: 'prefix,country' });
    // GB's usual traffic: 20 per window, so the country's own threshold is 10 × 20 = 200.
    await steady(guard, p, 'GB', T0, T0 + 2 * MIN, 500);
    let prefixHeld: FraudVerdict | undefined;
    for (let i = 0; i < 30 && !prefixHeld; i++) {
      const v = await guard.check(
        p,
        hook({ requestType: ENROLL, phoneE164: `+447400555${String(i).padStart(3, '0')}` }),
        {
          now: T0 + 2 * MIN + 100 * i,
        },
      );
      if (!v.allowed) prefixHeld = v;
    }
    assert.equal(prefixHeld && ruleOf(prefixHeld), 'hold-prefix');
    assert.equal(prefixHeld && !prefixHeld.allowed && prefixHeld.holdStarted?.label, '+447400555•••');
    assert.ok(
      allowed(await guard.check(p, enrollTo('GB', '+44760'), { now: T0 + 2 * MIN + 4_000 })),
      'other GB prefixes',
    );
  });

  describe('ranges: an anomalous country holds its hot ranges, not every number in it', () => {
    const ranged = () => anomaly({ anomalyHold: 'prefix,range,country' });
    /** A new GB user: a number in a range of its own (person k), never one of the attacked ranges. */
    const newUser = (k: number) =>
      hook({
        requestType: ENROLL,
        phoneE164: `+447${4000 + ((k * 37) % 1000)}${String((k * 7919) % 100_000).padStart(5, '0')}`,
      });
    /** Attack code i: one of the leased 100 000-ranges, each code in another 1 000-block of it. */
    const leased = (ranges: readonly string[], i: number) =>
      hook({
        requestType: ENROLL,
        phoneE164: `${ranges[i % ranges.length]}${String(Math.floor(i / ranges.length) % 100).padStart(2, '0')}${String((i * 7) % 1000).padStart(3, '0')}`,
      });

    /** Learning and a baseline: one new GB user every 5 s for two minutes (2 per 10 s window). */
    async function learn(guard: FraudGuard, p: FraudPolicy) {
      let k = 0;
      for (let t = T0; t < T0 + 2 * MIN; t += 5_000)
        assert.ok(allowed(await guard.check(p, newUser(k++), { now: t })));
    }

    /** `count` attack codes 100 ms apart, a new GB user enrolling every 5th; returns both sides' verdicts. */
    async function attack(
      guard: FraudGuard,
      p: FraudPolicy,
      count: number,
      code: (i: number) => FraudRequest,
    ) {
      const at = T0 + 2 * MIN;
      const bot: FraudVerdict[] = [];
      const people: FraudVerdict[] = [];
      for (let i = 0; i < count; i++) {
        bot.push(await guard.check(p, code(i), { now: at + 100 * i }));
        if (i % 5 === 4) people.push(await guard.check(p, newUser(10_000 + i), { now: at + 100 * i + 50 }));
      }
      const started = bot.flatMap((v) => (!v.allowed && v.holdStarted ? [v.holdStarted] : []));
      return { bot, people, started, through: bot.filter(allowed).length };
    }

    it('holds the one leased range an attack spreads over, and new users elsewhere in the country still enroll', async () => {
      const { guard, blocks, redis, keyspace } = await setup();
      const p = ranged();
      await learn(guard, p);
      const run = await attack(guard, p, 60, (i) => leased(['+4477123'], i));
      assert.deepEqual(
        run.started.map((h) => [h.scope, h.label]),
        [['range', '+4477123•••••']],
      );
      assert.ok(run.through >= 10 && run.through <= 20, `attack codes through: ${run.through}`);
      const first = run.bot.findIndex((v) => !v.allowed);
      assert.ok(run.bot.slice(first).every((v) => ruleOf(v) === 'hold-range'));
      assert.equal(
        !run.bot[first]?.allowed && run.bot[first]?.description,
        'blocked: destination range on hold (unusual volume)',
      );
      assert.ok(run.people.length === 12 && run.people.every(allowed), 'every new GB user enrolls');
      const listed = await blocks.list('default', p, T0 + 2 * MIN + 6_000);
      assert.deepEqual(
        listed.map((b) => [b.kind, b.label]),
        [['hold', '+4477123•••••']],
      );
      // The detector's state, the hold and its index: no number in a key, and every key expiring on its own.
      for (const key of await redis.keys(`${keyspace.prefix}:*`)) {
        assert.ok(!/7712|7400|7401/.test(key), key);
        assert.ok((await redis.pttl(key)) > 0, `${key} expires on its own`);
      }
    });

    it('holds each hot range of an attack over several leased ranges once the country is anomalous, sooner than their own thresholds would', async () => {
      const { guard } = await setup();
      const p = ranged();
      await learn(guard, p);
      const ranges = ['+4477123', '+4477456', '+4478861', '+4479552'];
      const run = await attack(guard, p, 100, (i) => leased(ranges, i));
      assert.deepEqual(
        run.started.map((h) => h.scope),
        ['range', 'range', 'range', 'range'],
      );
      assert.deepEqual(run.started.map((h) => h.label).sort(), ranges.map((r) => `${r}•••••`).sort());
      // On their own thresholds each range would take 20 codes (80 in all); hot at 5 once GB is anomalous.
      assert.ok(run.through <= 30, `attack codes through: ${run.through}`);
      assert.ok(run.people.every(allowed), 'every new GB user enrolls');
    });

    it('holds the whole country when the attack is in no few ranges (minCodes beyond the country’s threshold)', async () => {
      const { guard } = await setup();
      const p = ranged();
      await learn(guard, p);
      // Each code in a range of its own, none of them the new users'.
      const run = await attack(guard, p, 60, (i) =>
        hook({ requestType: ENROLL, phoneE164: `+447${6000 + i}${String(i * 13).padStart(5, '0')}` }),
      );
      assert.deepEqual(
        run.started.map((h) => [h.scope, h.label]),
        [['country', 'GB']],
      );
      assert.ok(run.through >= 30 && run.through <= 40, `attack codes through: ${run.through}`);
    });

    it('holds a range on its own thresholds when the country is not watched', async () => {
      const { guard } = await setup();
      const p = anomaly({ anomalyHold: 'range' });
      await learn(guard, p);
      const run = await attack(guard, p, 40, (i) => leased(['+4477123'], i));
      assert.deepEqual(
        run.started.map((h) => h.scope),
        ['range'],
      );
      assert.ok(run.through >= 17 && run.through <= 20, `attack codes through: ${run.through}`);
    });
  });

  it('lets known numbers (a sign-in, unlock or reset code before) through a hold, never through a limit', async () => {
    const { guard } = await setup();
    const p = anomaly({ limitEnrollPerNumber: '3/1h' });
    const person = '+447500123456';
    const pumped = '+447500999001';
    // Both numbers are in use before the attack: one signs in (Okta has it on file), one was only ever enrolled.
    assert.ok(allowed(await guard.check(p, hook({ phoneE164: person, requestType: MFA }), { now: T0 })));
    assert.ok(allowed(await guard.check(p, hook({ phoneE164: pumped, requestType: ENROLL }), { now: T0 })));
    await steady(guard, p, 'GB', T0, T0 + 2 * MIN, 8_000);
    const at = T0 + 2 * MIN;
    for (let i = 0; i < 40; i++) await guard.check(p, enrollTo('GB', '+44741'), { now: at + i * 50 });
    assert.equal(ruleOf(await guard.check(p, enrollTo('GB', '+44742'), { now: at + 2_500 })), 'hold-country');
    // The known number enrolls (a new factor, a new phone) through the hold; the merely enrolled one does not.
    const enrollAgain = (phoneE164: string, now: number) =>
      guard.check(p, hook({ phoneE164, requestType: ENROLL }), { now });
    assert.ok(allowed(await enrollAgain(person, at + 3_000)));
    assert.equal(ruleOf(await enrollAgain(pumped, at + 3_000)), 'hold-country');
    // Known is not safe: the enrollment per-number limit (3/1h) still counts it.
    assert.ok(allowed(await enrollAgain(person, at + 3_100)));
    assert.ok(allowed(await enrollAgain(person, at + 3_200)));
    assert.equal(ruleOf(await enrollAgain(person, at + 3_300)), 'enroll-per-number');
    // Off: the same number is held like any other.
    const off = await setup();
    const q = anomaly({ anomalyHoldKnownNumbers: 'off' });
    assert.ok(allowed(await off.guard.check(q, hook({ phoneE164: person, requestType: MFA }), { now: T0 })));
    await steady(off.guard, q, 'GB', T0, T0 + 2 * MIN, 8_000);
    for (let i = 0; i < 40; i++) await off.guard.check(q, enrollTo('GB', '+44741'), { now: at + i * 50 });
    assert.equal(
      ruleOf(await off.guard.check(q, hook({ phoneE164: person, requestType: ENROLL }), { now: at + 3_000 })),
      'hold-country',
    );
  });

  it('starts the learning clock at the tenant’s first hook of any type', async () => {
    const burst = async (guard: FraudGuard, p: FraudPolicy, at: number) => {
      let through = 0;
      for (let i = 0; i < 40; i++)
        if (allowed(await guard.check(p, enrollTo('GB', '+44741'), { now: at + 10 * i }))) through++;
      return through;
    };
    const signedInFirst = await setup();
    const p = anomaly();
    assert.ok(allowed(await signedInFirst.guard.check(p, hook({ requestType: MFA }), { now: T0 })));
    assert.ok(
      (await burst(signedInFirst.guard, p, T0 + 61_000)) < 40,
      'a sign-in 61 s before: learned, held',
    );
    const enrollsFirst = await setup();
    assert.equal(await burst(enrollsFirst.guard, p, T0 + 61_000), 40, 'no hook before: still learning');
  });

  it('lifts a hold on an operator’s word and does not hold that destination again for a hold period', async () => {
    const { guard, blocks } = await setup();
    const p = anomaly();
    await steady(guard, p, 'GB', T0, T0 + 2 * MIN, 5_000);
    const at = T0 + 2 * MIN;
    let i = 0;
    for (; i < 40; i++) if (!allowed(await guard.check(p, enrollTo('GB', '+44741'), { now: at + i }))) break;
    const [hold] = await blocks.list('default', p, at + i);
    assert.ok(hold);
    assert.equal(await blocks.lift(hold.id, p, at + i), true);
    assert.equal(await blocks.lift(hold.id, p, at + i), false, 'nothing left to lift');
    assert.deepEqual(await blocks.list('default', p, at + i), []);
    // The same burst carries on: wanted traffic now, by the operator's word.
    for (let j = 0; j < 30; j++)
      assert.ok(allowed(await guard.check(p, enrollTo('GB', '+44741'), { now: at + 1_000 + j })));
    assert.equal(
      await blocks.lift('default.hold.country.GB; DROP', p),
      false,
      'a malformed id lifts nothing',
    );
  });
});

describe('tenants', () => {
  it('keeps two tenants’ counters and settings apart in one Redis, with every key namespaced and expiring', async () => {
    const { guard, redis, keyspace } = await setup();
    const policies = new FraudPolicies(policy({ limitPerNumber: '4/1h' }), {
      'acme-eu': { limitPerNumber: '2/1h', allowedCountries: 'DE,FR,GB' },
      globex: { allowedCountries: 'US' },
    });
    const forTenant = (tenantId: string) => policies.for(tenantId) as FraudPolicy;
    const results: Record<string, string[]> = { default: [], 'acme-eu': [], globex: [] };
    for (const tenantId of Object.keys(results)) {
      for (let i = 0; i < 5; i++) {
        results[tenantId]?.push(
          ruleOf(await guard.check(forTenant(tenantId), hook({ tenantId }), { now: T0 })),
        );
      }
    }
    assert.deepEqual(results.default, ['allowed', 'allowed', 'allowed', 'allowed', 'per-number']);
    assert.deepEqual(results['acme-eu'], ['allowed', 'allowed', 'per-number', 'per-number', 'per-number']);
    assert.deepEqual(results.globex, ['country', 'country', 'country', 'country', 'country']);

    const keys = await redis.keys(`${keyspace.prefix}:*`);
    assert.ok(keys.length > 0);
    for (const key of keys) {
      assert.match(key, /:fraud:\{(default|acme-eu)\}:/, key);
      assert.ok(!key.includes('447400123456') && !key.includes('7400123'), `no number in ${key}`);
      assert.ok((await redis.pttl(key)) > 0, `${key} expires on its own`);
    }
  });

  it('lists each tenant’s blocks with masked labels only', async () => {
    const { guard, blocks } = await setup();
    const p = policy({ limitPerNumber: '1/1h', limitPerUser: '1/1h' });
    await guard.check(p, hook({ tenantId: 'acme-eu' }), { now: T0 });
    await guard.check(p, hook({ tenantId: 'acme-eu' }), { now: T0 });
    await guard.check(p, hook({ tenantId: 'acme-eu', phoneE164: '+447400123499' }), { now: T0 });
    const listed = await blocks.list('acme-eu', p, T0);
    assert.deepEqual(listed.map((b) => [b.kind, b.rule, b.label]).sort(), [
      ['limit', 'per-number', '+44••••••••56'],
      ['limit', 'per-user', 'user 00uAdaLovelace000001'],
    ]);
    assert.ok(listed.every((b) => b.id.startsWith('acme-eu.limit.') && !b.id.includes('7400')));
    // How many codes are in each window now, read from the packed logs.
    assert.deepEqual(
      listed.map((b) => (b.kind === 'limit' ? b.inWindow : -1)),
      [1, 1],
    );
    assert.deepEqual(await blocks.list('default', p, T0), [], 'another tenant sees none of it');
  });
});

describe('Redis unreachable', () => {
  it('rejects instead of deciding (the hook then answers Okta "fall back")', async () => {
    const port = await getFreePort();
    const redis = createRedisConnection({
      url: `redis://127.0.0.1:${port}`,
      role: 'producer',
      name: 'down',
      commandTimeoutMs: 300,
    });
    redis.on('error', () => {});
    connections.push(redis);
    const guard = new FraudGuard({
      redis,
      keyPrefix: createKeyspace('down').fraud,
      subjectKey: randomBytes(32),
    });
    await assert.rejects(guard.check(policy({ limitPerNumber: '5/15m' }), hook()));
    // Destination rules need no Redis: they still decide.
    const blocked = await guard.check(policy({ allowedCountries: 'US' }), hook());
    assert.equal(ruleOf(blocked), 'country');
  });
});
