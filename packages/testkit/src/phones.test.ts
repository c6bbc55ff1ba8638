import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePhoneNumber } from '@byot/contracts';
import { SPREAD_PHONE_COUNTRIES, spreadPhone } from './phones.ts';

describe('spreadPhone', () => {
  it('gives valid mobile numbers of the country, unique, each in its own 1 000-block', () => {
    for (const country of SPREAD_PHONE_COUNTRIES) {
      const numbers = Array.from({ length: 3_000 }, (_, n) => spreadPhone(country, n));
      assert.equal(new Set(numbers).size, numbers.length, `${country}: unique`);
      assert.equal(new Set(numbers.map((p) => p.slice(0, -3))).size, numbers.length, `${country}: spread`);
      for (const phone of numbers.filter((_, i) => i % 37 === 0)) {
        const parsed = normalisePhoneNumber(phone, 'US');
        assert.ok(parsed.ok && parsed.e164 === phone, phone);
        assert.equal(parsed.ok && parsed.country, country, phone);
        assert.ok(
          parsed.ok && ['MOBILE', 'FIXED_LINE_OR_MOBILE'].includes(parsed.type ?? ''),
          `${phone}: ${parsed.ok && parsed.type}`,
        );
      }
    }
    assert.throws(() => spreadPhone('ZZ', 1), /no ranges/);
  });
});
