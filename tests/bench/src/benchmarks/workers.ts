import type { BenchContext } from '../harness.ts';
import { fmtCpu, fmtRate, fmtRatio, type Headline, judge } from '../report.ts';
import { ratio } from '../stats.ts';
import { type DrainRound, drainRound } from './drain.ts';
import type { BenchmarkResult } from './types.ts';

export const WORKER_LATENCY_MS = 100;
export const WORKER_CONCURRENCY = 100;
export const WORKER_RATIO_TARGET = 0.8;

/**
 * 3. Worker throughput: the queue is pre-filled through the ingress (budget 0, no worker running), then 1, 2 or
 * 4 sms-worker processes (SMS_WORKER_CONCURRENCY=100) drain it against the simulator at 100 ms. Completions are
 * counted at the simulator; the rate is the steady-state slope between 10% and 90% of the jobs, so process
 * start-up and the last stragglers are left out. Ideal = processes × concurrency ÷ latency. CPU per message: the
 * workers' and Redis's utime + stime over the drain ÷ messages delivered.
 */
export async function workerThroughput(ctx: BenchContext): Promise<BenchmarkResult> {
  const jobsPerProcess = ctx.quick ? 600 : 3_000;
  const counts = [1, 2, 4];
  const system = await ctx.startSystem({
    smsWorkers: 0,
    budgetMs: 0,
    smsConcurrency: WORKER_CONCURRENCY,
    simLatencyMs: WORKER_LATENCY_MS,
    // The prefill can outnumber the simulator's default record capacity; counters stay right either way.
    simEnv: { SIM_MAX_RECORDS: '50000' },
  });
  const rounds: DrainRound[] = [];
  try {
    for (const processes of counts) {
      ctx.checkpoint();
      rounds.push(
        await drainRound(system, {
          channel: 'sms',
          processes,
          // More jobs for more workers, so each round lasts long enough to have a steady state (capped on 2 cores).
          jobs: Math.min(jobsPerProcess * processes, ctx.quick ? 1_200 : 8_000),
          concurrency: WORKER_CONCURRENCY,
          latencyMs: WORKER_LATENCY_MS,
          phoneIndex: 30 + processes,
          aborted: () => ctx.aborted,
        }),
      );
    }
  } finally {
    await system.shutdown();
  }
  const one = rounds.find((r) => r.processes === 1);
  const headlines: Headline[] = rounds.map((r) => ({
    benchmark: `3. sms-worker throughput, ${r.processes} process${r.processes > 1 ? 'es' : ''} × ${WORKER_CONCURRENCY}`,
    figure:
      `${fmtRate(r.rate, ' msg/s')} = ${fmtRatio(r.ratio)} of ideal` +
      (r.processes === 1 ? `, ${fmtCpu(r.workerCpuPerMessageMs)} CPU/msg` : ''),
    baseline: `ideal ${fmtRate(r.ideal, ' msg/s')}`,
    target: r.processes === 1 ? `≥ ${WORKER_RATIO_TARGET} of ideal` : 'scaling (not judged)',
    verdict: r.processes === 1 ? judge(r.ratio, { atLeast: WORKER_RATIO_TARGET }) : 'not judged',
  }));
  return {
    section: {
      id: 'workers',
      title: `3. Worker throughput (simulator at ${WORKER_LATENCY_MS} ms, SMS_WORKER_CONCURRENCY=${WORKER_CONCURRENCY})`,
      setup:
        'Queue pre-filled through hook-ingress (budget 0), then N sms-worker processes started and timed until the ' +
        'simulator has accepted every message; rate = slope between 10% and 90% of completions.',
      table: drainTable(rounds, one),
      notes: [
        'All processes (Redis, simulator, workers, ingress idle) share the machine’s cores: beyond the cores, more ' +
          'worker processes cannot add CPU, so scaling shows where the box, not the design, is the limit.',
        CPU_NOTE,
      ],
    },
    headlines,
    raw: { rounds },
  };
}

export const CPU_NOTE =
  'CPU/msg: utime + stime (/proc/<pid>/stat) of all the round’s worker processes, and of redis-server, from the ' +
  'workers being ready to the last message accepted, ÷ messages delivered. Redis round trips/msg: EVAL/EVALSHA ' +
  'calls (BullMQ moving jobs, the delivery record, the breaker, the usage counters) plus any MULTI/EXEC transaction, ' +
  'and commands/msg (every other command, those run inside scripts included), from INFO commandstats over the ' +
  'same span, ÷ messages.';

/** The drain rounds' table (sms and voice alike). */
export function drainTable(rounds: readonly DrainRound[], one: DrainRound | undefined) {
  return {
    columns: [
      'processes',
      'jobs',
      'delivered',
      'msg/s (steady)',
      'ideal',
      'ratio',
      'scaling vs 1',
      'drain time',
      'worker CPU/msg',
      'Redis CPU/msg',
      'Redis round trips/msg',
      'Redis commands/msg',
    ],
    rows: rounds.map((r) => [
      String(r.processes),
      String(r.jobs),
      String(r.delivered),
      fmtRate(r.rate),
      fmtRate(r.ideal),
      fmtRatio(r.ratio),
      fmtRatio(ratio(r.rate ?? Number.NaN, one?.rate ?? Number.NaN)),
      `${r.drainSec.toFixed(1)} s`,
      fmtCpu(r.workerCpuPerMessageMs),
      fmtCpu(r.redisCpuPerMessageMs),
      r.redis.roundTrips.toFixed(2),
      r.redis.commands.toFixed(1),
    ]),
  };
}
