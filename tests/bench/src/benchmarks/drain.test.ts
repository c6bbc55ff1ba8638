import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redisCost } from './drain.ts';

describe('redisCost', () => {
  it('counts scripts and MULTI/EXEC transactions as round trips per message, INFO left out', () => {
    const stats = (evalsha: number, exec: number, hincrby: number, info: number) =>
      new Map([
        ['evalsha', { calls: evalsha, usec: evalsha * 10 }],
        ['exec', { calls: exec, usec: 1 }],
        ['hincrby', { calls: hincrby, usec: 1 }],
        ['info', { calls: info, usec: 1 }],
      ]);
    const cost = redisCost(stats(100, 10, 0, 1), stats(500, 110, 300, 2), 100);
    assert.equal(cost.scripts, 4);
    assert.equal(cost.roundTrips, 5);
    assert.equal(cost.commands, 4); // 100 exec + 300 hincrby
    assert.equal(cost.scriptUsec, 40);
    assert.equal(redisCost(stats(1, 1, 1, 1), stats(1, 1, 1, 1), 0).roundTrips, 0);
  });
});
