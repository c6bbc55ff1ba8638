import type { ManagedProcess } from '@byot/testkit';
import { type BenchContext, HOOK_PATH, simAccepted, sleep } from '../harness.ts';
import { benchPhone, hookBodies } from '../hook-bodies.ts';
import { runLoad } from '../load.ts';
import { fmtRate, fmtRatio, type Headline, judge } from '../report.ts';
import { type CountSample, idealThroughput, ratio, steadyRate } from '../stats.ts';
import type { BenchmarkResult } from './types.ts';

export const WORKER_LATENCY_MS = 100;
export const WORKER_CONCURRENCY = 100;
export const WORKER_RATIO_TARGET = 0.8;

interface Round {
  processes: number;
  jobs: number;
  delivered: number;
  rate: number | undefined;
  ideal: number;
  ratio: number;
  drainSec: number;
}

/**
 * 3. Worker throughput: the queue is pre-filled through the ingress (budget 0, no worker running), then 1, 2 or
 * 4 sms-worker processes (SMS_WORKER_CONCURRENCY=100) drain it against the simulator at 100 ms. Completions are
 * counted at the simulator; the rate is the steady-state slope between 10% and 90% of the jobs, so process
 * start-up and the last stragglers are left out. Ideal = processes × concurrency ÷ latency.
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
  const rounds: Round[] = [];
  try {
    for (const processes of counts) {
      ctx.checkpoint();
      // More jobs for more workers, so each round lasts long enough to have a steady state (capped on 2 cores).
      const jobs = Math.min(jobsPerProcess * processes, ctx.quick ? 1_200 : 8_000);
      const prefill = await runLoad({
        url: system.ingressUrl,
        path: HOOK_PATH,
        headers: { authorization: system.hookSecret },
        body: hookBodies({ phoneNumber: benchPhone(30 + processes) }).next,
        connections: 16,
        amount: jobs,
      });
      const queued = prefill.statusCounts['200'] ?? 0;
      ctx.checkpoint();
      const before = await simAccepted(system.simUrl);
      // Started together: each round's start-up is outside the 10–90% window anyway.
      const workers: ManagedProcess[] = await Promise.all(
        Array.from({ length: processes }, () => system.startTrackedWorker()),
      );
      const samples: CountSample[] = [];
      const started = performance.now();
      const limitMs = Math.max(30_000, (queued / 50) * 1000);
      let delivered = 0;
      while (delivered < queued && performance.now() - started < limitMs && !ctx.aborted) {
        delivered = (await simAccepted(system.simUrl)) - before;
        samples.push({ t: performance.now(), count: delivered });
        await sleep(100);
      }
      const drainSec = (performance.now() - started) / 1000;
      await Promise.all(workers.map((worker) => system.stopWorker(worker)));
      const rate = steadyRate(samples, queued);
      const ideal = idealThroughput(WORKER_CONCURRENCY, WORKER_LATENCY_MS, processes);
      rounds.push({
        processes,
        jobs: queued,
        delivered,
        rate,
        ideal,
        ratio: ratio(rate ?? Number.NaN, ideal),
        drainSec,
      });
    }
  } finally {
    await system.shutdown();
  }
  const one = rounds.find((r) => r.processes === 1);
  const headlines: Headline[] = rounds.map((r) => ({
    benchmark: `3. sms-worker throughput, ${r.processes} process${r.processes > 1 ? 'es' : ''} × ${WORKER_CONCURRENCY}`,
    figure: `${fmtRate(r.rate, ' msg/s')} = ${fmtRatio(r.ratio)} of ideal`,
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
      table: {
        columns: [
          'processes',
          'jobs',
          'delivered',
          'msg/s (steady)',
          'ideal',
          'ratio',
          'scaling vs 1',
          'drain time',
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
        ]),
      },
      notes: [
        'All processes (Redis, simulator, workers, ingress idle) share the machine’s cores: beyond the cores, more ' +
          'worker processes cannot add CPU, so scaling shows where the box, not the design, is the limit.',
      ],
    },
    headlines,
    raw: { rounds },
  };
}
