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
