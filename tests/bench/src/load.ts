import autocannon, { type Instance } from 'autocannon';
import { type Summary, summarize } from './stats.ts';

export interface LoadSpec {
  /** Origin, e.g. http://127.0.0.1:8080. */
  url: string;
  path: string;
  headers: Record<string, string>;
  /** A fresh body per request (see hookBodies). */
  body: () => string;
  connections: number;
  /** Seconds. One of duration or amount. */
  duration?: number;
  /** Total requests; the run ends when every one is answered or timed out. */
  amount?: number;
  /** Requests/s over all connections; unset: as fast as the connections go (closed loop). */
  rate?: number;
  /** Seconds before a request counts as a timeout (autocannon drops the connection and goes on). Default 10. */
  timeoutSec?: number;
}

export interface LoadResult {
  /** Requests answered (any status), per second of the run. */
  rps: number;
  durationSec: number;
  answered: number;
  timeouts: number;
  /** Connection errors other than timeouts. */
  errors: number;
  statusCounts: Record<string, number>;
  /** Raw answer times of every answered request (ms), as the client saw them: no coordinated-omission correction. */
  latenciesMs: number[];
  latency: Summary;
}

let active: Instance | undefined;

/** Stops the load generator if one is running (Ctrl-C): its partial result is still delivered. */
export function stopActiveLoad(): void {
  active?.stop();
}

/**
 * One autocannon run against loopback, in this process. Latencies are collected per response rather than read
 * from autocannon's histogram, so percentiles and "answered within 3 s" shares are computed the same way for
 * every target.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.rate !== undefined && spec.rate < spec.connections) {
    // autocannon splits the rate per connection with floor(): a connection given 0 would run unthrottled.
    throw new RangeError(
      `rate (${spec.rate}/s) must be at least the number of connections (${spec.connections})`,
    );
  }
  const latenciesMs: number[] = [];
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount === undefined ? { duration: spec.duration ?? 10 } : { amount: spec.amount }),
    ...(spec.rate === undefined ? {} : { overallRate: spec.rate }),
    timeout: spec.timeoutSec ?? 10,
    requests: [
      {
        method: 'POST',
        path: spec.path,
        headers: { 'content-type': 'application/json', ...spec.headers },
        setupRequest: (request) => ({ ...request, body: spec.body() }),
      },
    ],
  });
  active = instance;
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latenciesMs.push(responseTime);
  });
  try {
    const result = await instance;
    const statusCounts = Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)]),
    );
    const answered = latenciesMs.length;
    return {
      rps: result.duration > 0 ? answered / result.duration : 0,
      durationSec: result.duration,
      answered,
      timeouts: result.timeouts,
      errors: Math.max(0, result.errors - result.timeouts),
      statusCounts,
      latenciesMs,
      latency: summarize(latenciesMs),
    };
  } finally {
    active = undefined;
  }
}
