import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intervalVerdict, redisCostPerHook } from './fraud.ts';

describe('benchmark 8: fraud controls', () => {
  it('judges the p99 difference by its 95 % interval: met inside the target, missed beyond it, else not judged', () => {
    assert.equal(intervalVerdict({ low: -0.4, high: 0.8 }, 1), 'met');
    assert.equal(intervalVerdict({ low: 1.2, high: 2.5 }, 1), 'missed');
    assert.equal(intervalVerdict({ low: 0.3, high: 1.6 }, 1), 'not judged', 'straddles the target');
    assert.equal(intervalVerdict({ low: Number.NaN, high: 0.5 }, 1), 'not judged');
  });

  it('counts Redis work per hook from two commandstats readings (scripts apart, INFO left out)', () => {
    const before = new Map([
      ['evalsha', { calls: 10, usec: 1_000 }],
      ['zadd', { calls: 50, usec: 100 }],
      ['info', { calls: 3, usec: 30 }],
    ]);
    const after = new Map([
      ['evalsha', { calls: 110, usec: 11_000 }],
      ['zadd', { calls: 650, usec: 1_300 }],
      ['mget', { calls: 100, usec: 200 }],
      ['info', { calls: 9, usec: 90 }],
    ]);
    assert.deepEqual(redisCostPerHook(before, after, 100), { scripts: 1, commands: 7, scriptUsec: 100 });
  });
});
