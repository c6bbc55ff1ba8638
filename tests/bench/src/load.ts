import autocannon from 'autocannon';
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

let active: { stop(): void } | undefined;

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

/**
 * A paced open-loop run: request i leaves at start + i / rate, whatever the answers do, and its latency counts from
 * that scheduled moment (so a generator that falls behind cannot hide queueing: no coordinated omission).
 * autocannon's fixed rate is enforced per connection per one-second tick, which sends each second's requests as a
 * burst at the tick; a steady production rate (Okta's hooks arrive independently) is better modelled evenly spaced.
 */
export async function runPaced(
  spec: Omit<LoadSpec, 'connections' | 'amount' | 'rate' | 'duration'> & { rate: number; duration: number },
): Promise<LoadResult> {
  const total = Math.max(1, Math.round(spec.rate * spec.duration));
  const intervalMs = 1000 / spec.rate;
  const timeoutMs = (spec.timeoutSec ?? 10) * 1000;
  const latenciesMs: number[] = [];
  const statusCounts: Record<string, number> = {};
  let timeouts = 0;
  let errors = 0;
  let stopped = false;
  active = {
    stop: () => {
      stopped = true;
    },
  };
  const started = performance.now();
  const send = async (due: number): Promise<void> => {
    try {
      const response = await fetch(`${spec.url}${spec.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...spec.headers },
        body: spec.body(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      latenciesMs.push(performance.now() - due);
      statusCounts[String(response.status)] = (statusCounts[String(response.status)] ?? 0) + 1;
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') timeouts++;
      else errors++;
    }
  };
  const inFlight: Promise<void>[] = [];
  try {
    for (let i = 0; i < total && !stopped; i++) {
      const due = started + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0.5) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(send(due));
    }
    await Promise.all(inFlight);
  } finally {
    active = undefined;
  }
  const durationSec = (performance.now() - started) / 1000;
  return {
    rps: latenciesMs.length / Math.max(spec.duration, durationSec - 0.001),
    durationSec,
    answered: latenciesMs.length,
    timeouts,
    errors,
    statusCounts,
    latenciesMs,
    latency: summarize(latenciesMs),
  };
}
