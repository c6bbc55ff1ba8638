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

/** One target of a paced run: where a request goes and what it carries. */
export type PacedTarget = Pick<LoadSpec, 'url' | 'path' | 'headers' | 'body' | 'timeoutSec'>;

/**
 * A paced open-loop run: request i leaves at start + i / rate, whatever the answers do, and its latency counts from
 * that scheduled moment (so a generator that falls behind cannot hide queueing: no coordinated omission).
 * autocannon's fixed rate is enforced per connection per one-second tick, which sends each second's requests as a
 * burst at the tick; a steady production rate (Okta's hooks arrive independently) is better modelled evenly spaced.
 */
export async function runPaced(
  spec: Omit<LoadSpec, 'connections' | 'amount' | 'rate' | 'duration'> & { rate: number; duration: number },
): Promise<LoadResult> {
  const [result] = await runPacedInterleaved([spec], spec);
  return result as LoadResult;
}

/**
 * One paced open-loop stream whose requests take turns over the targets (request i goes to targets[i mod n]), with
 * one result per target. For an A/B comparison this is fairer than alternating rounds: both sides are measured in
 * the same milliseconds, so a GC pause, a neighbour's burst or the generator's own jitter falls on both alike, and
 * a difference in their tails is the difference between them rather than between two moments of a shared machine.
 */
export async function runPacedInterleaved(
  targets: readonly PacedTarget[],
  pace: { rate: number; duration: number },
): Promise<LoadResult[]> {
  if (targets.length === 0) throw new RangeError('runPacedInterleaved needs at least one target');
  const total = Math.max(1, Math.round(pace.rate * pace.duration));
  const intervalMs = 1000 / pace.rate;
  const tallies = targets.map(() => ({
    latenciesMs: [] as number[],
    statusCounts: {} as Record<string, number>,
    timeouts: 0,
    errors: 0,
  }));
  let stopped = false;
  active = {
    stop: () => {
      stopped = true;
    },
  };
  const started = performance.now();
  const send = async (target: PacedTarget, tally: (typeof tallies)[number], due: number): Promise<void> => {
    try {
      const response = await fetch(`${target.url}${target.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: target.body(),
        signal: AbortSignal.timeout((target.timeoutSec ?? 10) * 1000),
      });
      await response.arrayBuffer();
      tally.latenciesMs.push(performance.now() - due);
      tally.statusCounts[String(response.status)] = (tally.statusCounts[String(response.status)] ?? 0) + 1;
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') tally.timeouts++;
      else tally.errors++;
    }
  };
  const inFlight: Promise<void>[] = [];
  try {
    for (let i = 0; i < total && !stopped; i++) {
      const due = started + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0.5) await new Promise((resolve) => setTimeout(resolve, wait));
      const which = i % targets.length;
      inFlight.push(send(targets[which] as PacedTarget, tallies[which] as (typeof tallies)[number], due));
    }
    await Promise.all(inFlight);
  } finally {
    active = undefined;
  }
  const durationSec = (performance.now() - started) / 1000;
  return tallies.map((tally) => ({
    // Each target's own rate: its answers over the run's wall time (all targets share the same seconds).
    rps: tally.latenciesMs.length / Math.max(pace.duration, durationSec - 0.001),
    durationSec,
    answered: tally.latenciesMs.length,
    timeouts: tally.timeouts,
    errors: tally.errors,
    statusCounts: tally.statusCounts,
    latenciesMs: tally.latenciesMs,
    latency: summarize(tally.latenciesMs),
  }));
}
