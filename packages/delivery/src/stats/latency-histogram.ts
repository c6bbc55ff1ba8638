/**
 * Log-scale latency buckets, 10 % wide, from 1 ms to 5 min: bucket i holds durations in (1.1^(i-1), 1.1^i] ms
 * (bucket 0 everything up to 1 ms). Counts per bucket merge by addition — across minutes and across worker
 * processes — which raw samples or per-process percentiles would not; a percentile read from them is exact to
 * one bucket (≤ 10 %).
 */
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
export const MAX_LATENCY_MS = 300_000;
export const LATENCY_BUCKETS = Math.ceil(Math.log(MAX_LATENCY_MS) / LOG_GROWTH) + 1;

/** The bucket a duration falls in (longer than 5 min counts as the last bucket). */
export function latencyBucket(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(LATENCY_BUCKETS - 1, Math.ceil(Math.log(ms) / LOG_GROWTH - 1e-9));
}

/** The upper bound of a bucket, in ms: what a percentile falling in it reports. */
export function bucketUpperMs(bucket: number): number {
  return GROWTH ** bucket;
}

/**
 * The q-quantile (0 < q ≤ 1) of a histogram given as bucket → count, as the upper bound of the bucket holding the
 * ⌈q·n⌉-th smallest duration; undefined when there is nothing.
 */
export function quantileMs(counts: ReadonlyMap<number, number>, q: number): number | undefined {
  let total = 0;
  for (const n of counts.values()) total += n;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bucket of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(bucket) ?? 0;
    if (seen >= rank) return bucketUpperMs(bucket);
  }
  return undefined;
}
