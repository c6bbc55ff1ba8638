/** Pure statistics for the benchmarks: no I/O, so every figure the report prints can be unit-tested. */

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of `values` by the nearest-rank method: always a value that was observed, so a p99
 * of 100 samples is the 99th smallest, never an interpolation between two requests.
 */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) {
    return { count: 0, mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
  }
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
  const sum = sorted.reduce((total, v) => total + v, 0);
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1] as number,
  };
}

/** part ÷ whole, NaN (not Infinity) when the whole is zero: "no data" must not read as "infinitely good". */
export function ratio(part: number, whole: number): number {
  return whole === 0 ? Number.NaN : part / whole;
}

/** Share of values ≤ limit (e.g. answers inside Okta's 3 s window), of `total` attempts (unanswered count as outside). */
export function shareWithin(values: readonly number[], limit: number, total = values.length): number {
  return ratio(
    values.reduce((n, v) => (v <= limit ? n + 1 : n), 0),
    total,
  );
}

/** The concurrency-bound ideal of a worker pool: each slot completes one send per provider latency. */
export function idealThroughput(concurrency: number, latencyMs: number, processes = 1): number {
  if (latencyMs <= 0) throw new RangeError(`latency must be positive, got ${latencyMs}`);
  return (processes * concurrency * 1000) / latencyMs;
}

export interface CountSample {
  /** Milliseconds (any origin, increasing). */
  t: number;
  /** Cumulative completions at t. */
  count: number;
}

/**
 * Steady-state rate (per second) from cumulative completion samples: the slope between the first samples at or
 * past `from` and `to` (fractions of `total`), so start-up (processes connecting, first jobs) and the tail (the
 * last stragglers) do not dilute it. Undefined when the samples never reach both marks.
 */
export function steadyRate(
  samples: readonly CountSample[],
  total: number,
  from = 0.1,
  to = 0.9,
): number | undefined {
  if (!(from >= 0 && from < to && to <= 1))
    throw new RangeError(`need 0 ≤ from < to ≤ 1, got ${from}, ${to}`);
  const first = samples.find((s) => s.count >= total * from);
  const last = samples.find((s) => s.count >= total * to);
  if (!first || !last || last.t <= first.t) return undefined;
  return ((last.count - first.count) * 1000) / (last.t - first.t);
}

/** Bytes → MiB, for memory figures. */
export function mib(bytes: number): number {
  return bytes / (1024 * 1024);
}

/** A small seeded generator (mulberry32): resampling that prints the same interval for the same samples. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface DifferenceInterval {
  /** quantile(b) − quantile(a) on the samples themselves. */
  estimate: number;
  /** The central 95 % of the bootstrap distribution of that difference. */
  low: number;
  high: number;
}

/**
 * How sure a difference of two tails is: quantile(b, q) − quantile(a, q) with a 95 % bootstrap interval. The samples
 * of an interleaved run come in pairs (a's i-th and b's i-th answer left within one interval of each other), so pairs
 * are resampled together: whatever disturbed one moment stays on both sides of the difference, as it did in the run.
 * And they are resampled in runs of consecutive pairs (a moving-block bootstrap), because on a shared machine slow
 * answers come in bursts: resampling single answers would pretend each was independent and print an interval too
 * narrow. A p99 of a few thousand answers rests on a few dozen of them; the interval says how far it can move.
 */
export function quantileDifference(
  a: readonly number[],
  b: readonly number[],
  q: number,
  options: { iterations?: number; seed?: number; block?: number } = {},
): DifferenceInterval {
  const n = Math.min(a.length, b.length);
  const block = Math.max(1, Math.min(n, options.block ?? 50));
  if (n === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN };
  const iterations = options.iterations ?? 400;
  const random = seededRandom(options.seed ?? 1);
  const rankOf = (length: number) => Math.max(1, Math.ceil(q * length)) - 1;
  const sampleA = new Float64Array(n);
  const sampleB = new Float64Array(n);
  const differences: number[] = [];
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < n; ) {
      const start = Math.floor(random() * (n - block + 1));
      for (let k = 0; k < block && j < n; k++, j++) {
        sampleA[j] = a[start + k] as number;
        sampleB[j] = b[start + k] as number;
      }
    }
    sampleA.sort();
    sampleB.sort();
    differences.push((sampleB[rankOf(n)] as number) - (sampleA[rankOf(n)] as number));
  }
  differences.sort((x, y) => x - y);
  return {
    estimate: quantile(b, q) - quantile(a, q),
    low: differences[Math.floor(iterations * 0.025)] as number,
    high: differences[Math.min(iterations - 1, Math.ceil(iterations * 0.975) - 1)] as number,
  };
}
