import type { ManagedProcess } from '@byot/testkit';
import { type BenchContext, HOOK_PATH, simAccepted, sleep } from '../harness.ts';
import { benchPhone, hookBodies } from '../hook-bodies.ts';
import { runLoad } from '../load.ts';
import { fmtRate, fmtRatio, type Headline } from '../report.ts';
import { type CountSample, ratio, steadyRate } from '../stats.ts';
import type { BenchmarkResult } from './types.ts';

const TOPOLOGIES = ['single', 'cluster'] as const;
type Topology = (typeof TOPOLOGIES)[number];
const WORKERS = 2;
const CONCURRENCY = 100;
const SIM_LATENCY_MS = 20;

interface Round {
  topology: Topology;
  hooks: number;
  queued: number;
  intakeRate: number;
  delivered: number;
  deliveryRate: number | undefined;
}

/**
 * 11. One Redis against a Redis Cluster (ADR 0017), same run, same load: the hook path's intake (hooks/s through
 * hook-ingress with budget 0: authenticate, validate, seal, the BullMQ add) and the delivery rate of two sms-workers
 * draining what was queued, first on one redis-server, then on a 3-master Cluster with a replica each (the cluster
 * key layout). On one machine the Cluster's shards share its cores with everything else: this shows what the
 * cluster client and layout cost or give per process, not the horizontal scale that more machines would add.
 */
export async function redisTopologies(ctx: BenchContext): Promise<BenchmarkResult> {
  const hooks = ctx.quick ? 600 : 4_000;
  const rounds: Round[] = [];
  for (const topology of TOPOLOGIES) {
    ctx.checkpoint();
    const system = await ctx.startSystem({
      smsWorkers: 0,
      budgetMs: 0,
      smsConcurrency: CONCURRENCY,
      simLatencyMs: SIM_LATENCY_MS,
      redisTopology: topology,
      simEnv: { SIM_MAX_RECORDS: '50000' },
    });
    try {
      const intake = await runLoad({
        url: system.ingressUrl,
        path: HOOK_PATH,
        headers: { authorization: system.hookSecret },
        body: hookBodies({ phoneNumber: benchPhone(60 + rounds.length) }).next,
        connections: 16,
        amount: hooks,
      });
      const queued = intake.statusCounts['200'] ?? 0;
      ctx.checkpoint();
      const before = await simAccepted(system.simUrl);
      const workers: ManagedProcess[] = await Promise.all(
        Array.from({ length: WORKERS }, () => system.startTrackedWorker()),
      );
      const samples: CountSample[] = [];
      const started = performance.now();
      let delivered = 0;
      while (delivered < queued && performance.now() - started < 60_000 && !ctx.aborted) {
        delivered = (await simAccepted(system.simUrl)) - before;
        samples.push({ t: performance.now(), count: delivered });
        await sleep(100);
      }
      await Promise.all(workers.map((worker) => system.stopWorker(worker)));
      rounds.push({
        topology,
        hooks,
        queued,
        intakeRate: intake.rps,
        delivered,
        deliveryRate: steadyRate(samples, queued),
      });
    } finally {
      await system.shutdown();
    }
  }
  const single = rounds.find((r) => r.topology === 'single');
  const headlines: Headline[] = rounds
    .filter((r) => r.topology === 'cluster')
    .flatMap((r) => [
      {
        benchmark: '11. Redis Cluster (3 masters): hook intake',
        figure: `${fmtRate(r.intakeRate, ' hooks/s')} = ${fmtRatio(ratio(r.intakeRate, single?.intakeRate ?? Number.NaN))} of one Redis`,
        baseline: `one Redis ${fmtRate(single?.intakeRate, ' hooks/s')}`,
        target: 'figure (not judged)',
        verdict: 'not judged' as const,
      },
      {
        benchmark: `11. Redis Cluster (3 masters): delivery, ${WORKERS} sms-workers`,
        figure: `${fmtRate(r.deliveryRate, ' msg/s')} = ${fmtRatio(ratio(r.deliveryRate ?? Number.NaN, single?.deliveryRate ?? Number.NaN))} of one Redis`,
        baseline: `one Redis ${fmtRate(single?.deliveryRate, ' msg/s')}`,
        target: 'figure (not judged)',
        verdict: 'not judged' as const,
      },
    ]);
  return {
    section: {
      id: 'redis-topologies',
      title: '11. One Redis against a Redis Cluster (3 masters, a replica each)',
      setup:
        `${hooks} hooks through hook-ingress (budget 0, 16 connections), then ${WORKERS} sms-workers ` +
        `(concurrency ${CONCURRENCY}, simulator at ${SIM_LATENCY_MS} ms) drain the queue; rate = slope between 10% and 90% of completions. ` +
        'The same run, one topology after the other.',
      table: {
        columns: [
          'Redis',
          'hooks queued',
          'intake hooks/s',
          'delivered',
          'delivery msg/s (steady)',
          'vs one Redis',
        ],
        rows: rounds.map((r) => [
          r.topology === 'single' ? 'one redis-server' : 'Cluster, 3 masters + 3 replicas',
          `${r.queued}/${r.hooks}`,
          fmtRate(r.intakeRate),
          String(r.delivered),
          fmtRate(r.deliveryRate),
          r.topology === 'single'
            ? '—'
            : `intake ${fmtRatio(ratio(r.intakeRate, single?.intakeRate ?? Number.NaN))}, delivery ${fmtRatio(ratio(r.deliveryRate ?? Number.NaN, single?.deliveryRate ?? Number.NaN))}`,
        ]),
      },
      notes: [
        'Six redis-server processes share this machine’s cores with the ingress, the workers and the simulator: a ' +
          'Cluster’s gain is more machines (each shard its own cores and memory), which one box cannot show.',
      ],
    },
    headlines,
    raw: { rounds },
  };
}
