import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  idealThroughput,
  mib,
  quantile,
  quantileDifference,
  ratio,
  shareWithin,
  steadyRate,
  summarize,
} from './stats.ts';

describe('quantile', () => {
  it('uses the nearest rank: p50 and p99 are observed values', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    assert.equal(quantile(values, 0.5), 50);
    assert.equal(quantile(values, 0.99), 99);
    assert.equal(quantile(values, 1), 100);
    assert.equal(quantile(values, 0), 1);
  });

  it('is NaN for no data and refuses a quantile outside [0, 1]', () => {
    assert.ok(Number.isNaN(quantile([], 0.5)));
    assert.throws(() => quantile([1], 1.5), /within \[0, 1\]/);
    assert.throws(() => quantile([1], Number.NaN), /within \[0, 1\]/);
  });
});

describe('summarize', () => {
  it('gives count, mean, p50, p90, p99 and max', () => {
    assert.deepEqual(summarize([4, 1, 3, 2]), { count: 4, mean: 2.5, p50: 2, p90: 4, p99: 4, max: 4 });
  });

  it('reports no data as NaN, not zero', () => {
    const empty = summarize([]);
    assert.equal(empty.count, 0);
    assert.ok(Number.isNaN(empty.p99));
  });
});

describe('ratio and shares', () => {
  it('divides, and is NaN over zero', () => {
    assert.equal(ratio(1, 4), 0.25);
    assert.ok(Number.isNaN(ratio(1, 0)));
  });

  it('counts unanswered attempts as outside the window', () => {
    assert.equal(shareWithin([100, 2_900, 3_000, 3_100], 3_000), 0.75);
    assert.equal(shareWithin([100, 200], 3_000, 4), 0.5);
  });
});

describe('idealThroughput', () => {
  it('is concurrency ÷ latency, times processes', () => {
    assert.equal(idealThroughput(100, 100), 1_000);
    assert.equal(idealThroughput(100, 100, 4), 4_000);
    assert.equal(idealThroughput(50, 250), 200);
  });

  it('refuses a zero latency', () => {
    assert.throws(() => idealThroughput(100, 0), /latency must be positive/);
  });
});

describe('steadyRate', () => {
  it('measures the slope between 10% and 90% of the total, ignoring a slow start', () => {
    const samples = [
      { t: 0, count: 0 },
      { t: 1_000, count: 0 }, // start-up: nothing yet
      { t: 2_000, count: 100 },
      { t: 3_000, count: 500 },
      { t: 4_000, count: 900 },
      { t: 5_000, count: 1_000 },
    ];
    assert.equal(steadyRate(samples, 1_000), 400); // (900 - 100) / 2 s
  });

  it('is undefined when the run never reached the upper mark', () => {
    assert.equal(
      steadyRate(
        [
          { t: 0, count: 0 },
          { t: 1_000, count: 300 },
        ],
        1_000,
      ),
      undefined,
    );
  });

  it('refuses marks out of order', () => {
    assert.throws(() => steadyRate([], 10, 0.9, 0.1), /from < to/);
  });
});

it('converts bytes to MiB', () => {
  assert.equal(mib(3 * 1024 * 1024), 3);
});

describe('quantileDifference', () => {
  const spread = (n: number, offset: number) => Array.from({ length: n }, (_, i) => (i % 100) + offset);

  it('estimates b − a at the quantile, with an interval around it', () => {
    const a = spread(2000, 0);
    const b = spread(2000, 3);
    const d = quantileDifference(a, b, 0.99);
    assert.equal(d.estimate, 3);
    // Shifted by a constant and resampled in pairs: every resample shows the same shift.
    assert.equal(d.low, 3);
    assert.equal(d.high, 3);
  });

  it('is wide when the tails rest on a handful of samples, and the same for the same seed', () => {
    const a = Array.from({ length: 300 }, (_, i) => (i % 37 === 0 ? 200 : 5));
    const b = Array.from({ length: 300 }, (_, i) => (i % 41 === 0 ? 200 : 6));
    const d = quantileDifference(a, b, 0.99, { block: 10 });
    assert.ok(d.high - d.low > 50, `interval ${d.low} … ${d.high}`);
    assert.deepEqual(quantileDifference(a, b, 0.99, { block: 10 }), d);
  });

  it('is NaN without samples', () => {
    assert.ok(Number.isNaN(quantileDifference([], [1], 0.5).estimate));
  });
});

describe('quantileDifference in blocks', () => {
  it('widens the interval when slow answers come in bursts', () => {
    // Bursts of 40 slow answers on a's side only, every 1 000: i.i.d. resampling would call the gap certain.
    const a = Array.from({ length: 4000 }, (_, i) => (i % 1000 < 40 ? 100 : 5));
    const b = Array.from({ length: 4000 }, () => 5);
    const single = quantileDifference(a, b, 0.99, { block: 1 });
    const blocks = quantileDifference(a, b, 0.99, { block: 50 });
    assert.ok(blocks.high - blocks.low > single.high - single.low, JSON.stringify({ single, blocks }));
  });
});
