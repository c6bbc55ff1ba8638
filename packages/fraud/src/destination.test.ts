import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  blockedType,
  countryAllowed,
  type Destination,
  isSafe,
  prefixLabel,
  prefixOf,
} from './destination.ts';
import { fraudPolicyFromEnv } from './policy.ts';
import { blockDescription } from './rules.ts';

const to = (e164: string, country: string | undefined, type?: string, channel: 'sms' | 'voice' = 'sms') =>
  ({ e164, country, type, channel }) satisfies Destination;

describe('destination rules', () => {
  it('allows the listed countries, with a separate list for calls', () => {
    const policy = fraudPolicyFromEnv({ ALLOWED_COUNTRIES: 'US,CA', ALLOWED_COUNTRIES_VOICE: 'US' });
    assert.equal(countryAllowed(policy, to('+14155550100', 'US')), true);
    assert.equal(countryAllowed(policy, to('+447400123456', 'GB')), false);
    assert.equal(countryAllowed(policy, to('+14165550100', 'CA')), true);
    assert.equal(countryAllowed(policy, to('+14165550100', 'CA', undefined, 'voice')), false);
    // International networks (+882, +883…) have no country: only `*` lets them through.
    assert.equal(countryAllowed(policy, to('+882345678901', undefined)), false);
    assert.equal(countryAllowed(fraudPolicyFromEnv({}), to('+882345678901', undefined)), true);
    const voiceFollows = fraudPolicyFromEnv({ ALLOWED_COUNTRIES: 'GB' });
    assert.equal(countryAllowed(voiceFollows, to('+447400123456', 'GB', undefined, 'voice')), true);
  });

  it('blocks the configured number types, UNKNOWN included when asked', () => {
    const policy = fraudPolicyFromEnv({});
    assert.equal(blockedType(policy, to('+448712345678', 'GB', 'PREMIUM_RATE')), 'PREMIUM_RATE');
    assert.equal(blockedType(policy, to('+15005550006', 'US', 'PERSONAL_NUMBER')), 'PERSONAL_NUMBER');
    assert.equal(blockedType(policy, to('+447400123456', 'GB', 'MOBILE')), undefined);
    assert.equal(blockedType(policy, to('+19876543210', 'US', undefined)), undefined, 'metadata lags: sent');
    const strict = fraudPolicyFromEnv({ BLOCKED_NUMBER_TYPES: 'PREMIUM_RATE,UNKNOWN,VOIP' });
    assert.equal(blockedType(strict, to('+19876543210', 'US', undefined)), 'UNKNOWN');
    assert.equal(
      blockedType(fraudPolicyFromEnv({ BLOCKED_NUMBER_TYPES: 'none' }), to('+1', 'US', 'PREMIUM_RATE')),
      undefined,
    );
  });

  it('knows the safe list by number and by prefix', () => {
    const policy = fraudPolicyFromEnv({ SAFE_NUMBERS: '+14155550100', SAFE_PREFIXES: '+1202555,+4474' });
    assert.equal(isSafe(policy, '+14155550100'), true);
    assert.equal(isSafe(policy, '+14155550101'), false);
    assert.equal(isSafe(policy, '+12025550143'), true);
    assert.equal(isSafe(policy, '+447400123456'), true);
    assert.equal(isSafe(fraudPolicyFromEnv({}), '+14155550100'), false);
  });

  it('names a prefix by its 1 000-block, and a block by its rule only', () => {
    assert.equal(prefixOf('+447400123456'), '+447400123');
    assert.equal(prefixLabel('+447400123'), '+447400123•••');
    assert.equal(blockDescription('per-number'), 'blocked: per-number limit');
    assert.equal(
      blockDescription('number-type', 'PREMIUM_RATE'),
      'blocked: number type not allowed (PREMIUM_RATE)',
    );
    assert.equal(blockDescription('hold-country'), 'blocked: destination country on hold (unusual volume)');
  });
});
