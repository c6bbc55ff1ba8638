import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLimit, parseDuration, parseLimit } from './duration.ts';
import {
  describePolicy,
  FRAUD_ENV,
  FraudPolicyError,
  fraudPolicyFromEnv,
  fraudPolicyOverrideSchema,
  fraudPolicySchema,
  limitsFor,
  mergePolicy,
} from './policy.ts';
import { FraudPolicies } from './tenants.ts';

describe('durations and limits', () => {
  it('reads N/<duration> as a sliding window and "off" as no limit', () => {
    assert.deepEqual(parseLimit('5/15m'), { max: 5, windowMs: 900_000 });
    assert.deepEqual(parseLimit('10/1h'), { max: 10, windowMs: 3_600_000 });
    assert.deepEqual(parseLimit('200/1d'), { max: 200, windowMs: 86_400_000 });
    assert.deepEqual(parseLimit(' 10 / h '), { max: 10, windowMs: 3_600_000 });
    for (const off of ['off', 'OFF', 'none', '0', 'false']) assert.equal(parseLimit(off), null);
    for (const bad of ['5', '5/15', '0/1h', '5/0m', '5/15 minutes', '-1/1h', 'five/1h'])
      assert.equal(parseLimit(bad), undefined, bad);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('1.5h'), undefined);
    assert.equal(formatLimit({ max: 30, windowMs: 3_600_000 }), '30/1h');
    assert.equal(formatLimit(null), 'off');
  });
});

describe('the fraud policy', () => {
  it('has the issue’s defaults', () => {
    const policy = fraudPolicyFromEnv({});
    assert.equal(policy.allowedCountries, '*');
    assert.equal(policy.allowedCountriesVoice, undefined);
    assert.deepEqual(
      [...policy.blockedNumberTypes],
      ['PREMIUM_RATE', 'SHARED_COST', 'UAN', 'PAGER', 'VOICEMAIL', 'PERSONAL_NUMBER'],
    );
    assert.deepEqual(policy.limitPerNumber, { max: 5, windowMs: 900_000 });
    assert.deepEqual(policy.limitPerUser, { max: 10, windowMs: 3_600_000 });
    assert.deepEqual(policy.limitPerPrefix, { max: 30, windowMs: 3_600_000 });
    assert.equal(policy.limitPerCountry, null);
    assert.equal(policy.limitTenant, null);
    assert.deepEqual(policy.limitEnrollPerNumber, { max: 3, windowMs: 3_600_000 });
    assert.deepEqual([...policy.anomalyHold], ['prefix', 'range', 'country']);
    assert.equal(policy.anomalyHoldFactor, 10);
    assert.equal(policy.anomalyHoldMinCodes, 20);
    assert.deepEqual([...policy.anomalyHoldRequestTypes], ['com.okta.user.telephony.pre-enrollment']);
    assert.equal(policy.anomalyHoldKnownNumbersMs, 90 * 86_400_000);
  });

  it('reads every variable the issue names, in the environment’s notation', () => {
    const policy = fraudPolicyFromEnv({
      ALLOWED_COUNTRIES: 'us, ca,GB',
      ALLOWED_COUNTRIES_VOICE: 'US',
      BLOCKED_NUMBER_TYPES: 'premium_rate,UNKNOWN',
      LIMIT_PER_NUMBER: '3/10m',
      LIMIT_PER_USER: 'off',
      LIMIT_PER_PREFIX: '50/1h',
      LIMIT_PER_COUNTRY: '1000/1d',
      LIMIT_TENANT: '5000/1d',
      LIMIT_ENROLL_PER_PREFIX: '5/1h',
      SAFE_NUMBERS: '+14155550100,+447400123456',
      SAFE_PREFIXES: '+1202555',
      ANOMALY_HOLD: 'country',
      ANOMALY_HOLD_FACTOR: '8',
      ANOMALY_HOLD_WINDOW: '5m',
      ANOMALY_HOLD_BASELINE: '12h',
      ANOMALY_HOLD_DURATION: '30m',
      ANOMALY_HOLD_REQUEST_TYPES: 'enrollment,mfa',
      UNRELATED: 'ignored',
    });
    assert.deepEqual(policy.allowedCountries, new Set(['US', 'CA', 'GB']));
    assert.deepEqual(policy.allowedCountriesVoice, new Set(['US']));
    assert.deepEqual(policy.blockedNumberTypes, new Set(['PREMIUM_RATE', 'UNKNOWN']));
    assert.deepEqual(policy.limitPerNumber, { max: 3, windowMs: 600_000 });
    assert.equal(policy.limitPerUser, null);
    assert.deepEqual(policy.limitTenant, { max: 5000, windowMs: 86_400_000 });
    assert.deepEqual(policy.limitEnrollPerPrefix, { max: 5, windowMs: 3_600_000 });
    assert.deepEqual(policy.safeNumbers, new Set(['+14155550100', '+447400123456']));
    assert.deepEqual(policy.safePrefixes, ['+1202555']);
    assert.deepEqual(policy.anomalyHold, new Set(['country']));
    assert.equal(policy.anomalyHoldWindowMs, 300_000);
    assert.equal(policy.anomalyHoldBaselineMs, 43_200_000);
    assert.equal(policy.anomalyHoldDurationMs, 1_800_000);
    assert.equal(policy.anomalyHoldRequestTypes.size, 2);
  });

  it('names the variable and the expected form of each bad value, never the value itself', () => {
    assert.throws(
      () =>
        fraudPolicyFromEnv({
          ALLOWED_COUNTRIES: 'US,XX,Narnia',
          BLOCKED_NUMBER_TYPES: 'EXPENSIVE',
          LIMIT_PER_NUMBER: '5 per 15m',
          SAFE_NUMBERS: '+14155550100,4155550101',
        }),
      (error: unknown) => {
        assert.ok(error instanceof FraudPolicyError);
        const text = error.problems.join('\n');
        for (const name of ['ALLOWED_COUNTRIES', 'BLOCKED_NUMBER_TYPES', 'LIMIT_PER_NUMBER', 'SAFE_NUMBERS'])
          assert.match(text, new RegExp(`^${name}: `, 'm'));
        assert.doesNotMatch(text, /4155550101/, 'a phone number is never echoed');
        return true;
      },
    );
    assert.throws(
      () => fraudPolicyFromEnv({ ANOMALY_HOLD_WINDOW: '2h', ANOMALY_HOLD_BASELINE: '3h' }),
      /ANOMALY_HOLD_BASELINE: must be at least twice ANOMALY_HOLD_WINDOW/,
    );
    assert.throws(
      () => fraudPolicyFromEnv({ ANOMALY_HOLD_KNOWN_NUMBERS: 'forever' }),
      /ANOMALY_HOLD_KNOWN_NUMBERS: must be "off" or a duration/,
    );
    assert.equal(fraudPolicyFromEnv({ ANOMALY_HOLD_KNOWN_NUMBERS: 'off' }).anomalyHoldKnownNumbersMs, null);
    assert.equal(
      fraudPolicyFromEnv({ ANOMALY_HOLD_KNOWN_NUMBERS: '30d' }).anomalyHoldKnownNumbersMs,
      30 * 86_400_000,
    );
  });

  it('takes the same settings as camelCase keys, in YAML’s native forms too', () => {
    const policy = fraudPolicySchema.parse({
      allowedCountries: ['US', 'CA'],
      limitPerNumber: '2/5m',
      limitPerUser: false,
      safeNumbers: ['+14155550100'],
      anomalyHoldMinCodes: 50,
      anomalyHoldWindow: 600,
    });
    assert.deepEqual(policy.allowedCountries, new Set(['US', 'CA']));
    assert.deepEqual(policy.limitPerNumber, { max: 2, windowMs: 300_000 });
    assert.equal(policy.limitPerUser, null);
    assert.equal(policy.anomalyHoldMinCodes, 50);
    assert.equal(policy.anomalyHoldWindowMs, 600_000);
    assert.equal(
      fraudPolicyOverrideSchema.safeParse({ limitPerNumbers: '1/1h' }).success,
      false,
      'typo refused',
    );
    // Every camelCase key has its environment variable, and the other way round.
    assert.deepEqual(Object.keys(FRAUD_ENV).sort(), Object.keys(fraudPolicyOverrideSchema.shape).sort());
  });

  it('gives each tenant the default with its own policy: keys on top', () => {
    const base = fraudPolicyFromEnv({ ALLOWED_COUNTRIES: 'US', LIMIT_PER_NUMBER: '5/15m' });
    const policies = new FraudPolicies(base, {
      'acme-eu': { allowedCountries: 'DE,FR', limitPerNumber: '2/15m' },
      globex: { anomalyHold: 'off' },
    });
    assert.deepEqual(policies.tenantIds(), ['default', 'acme-eu', 'globex']);
    assert.equal(policies.for('default'), base);
    assert.deepEqual(policies.for('acme-eu')?.allowedCountries, new Set(['DE', 'FR']));
    assert.deepEqual(policies.for('acme-eu')?.limitPerNumber, { max: 2, windowMs: 900_000 });
    assert.deepEqual(policies.for('acme-eu')?.limitPerUser, base.limitPerUser, 'inherited');
    assert.equal(policies.for('globex')?.anomalyHold.size, 0);
    assert.equal(policies.for('initech'), undefined);
    assert.throws(() => new FraudPolicies(base, { 'Bad Tenant': {} }), /not a tenant id/);
    assert.throws(() => mergePolicy(base, { anomalyHoldWindow: '12h', anomalyHoldBaseline: '13h' }));
  });

  it('applies the enrollment limits to pre-enrollment only, on top of the general ones', () => {
    const policy = fraudPolicyFromEnv({});
    const mfa = limitsFor(policy, 'com.okta.user.telephony.mfa-verification').map((l) => l.rule);
    const enroll = limitsFor(policy, 'com.okta.user.telephony.pre-enrollment').map((l) => l.rule);
    assert.deepEqual(mfa, ['per-number', 'per-user', 'per-prefix']);
    assert.deepEqual(enroll, [
      'per-number',
      'per-user',
      'per-prefix',
      'enroll-per-number',
      'enroll-per-user',
      'enroll-per-prefix',
    ]);
  });

  it('describes itself in the notation operators configure, without the safe numbers', () => {
    const text = describePolicy(fraudPolicyFromEnv({ SAFE_NUMBERS: '+14155550100' }));
    assert.equal(text.limitPerNumber, '5/15m');
    assert.equal(text.anomalyHoldBaseline, '1d');
    assert.equal(text.safeNumbers, '1 numbers');
    assert.ok(!JSON.stringify(text).includes('4155550100'));
  });
});
