import { CpuMeter, cpuPer, processTree } from '../cpu.ts';
import { type BenchContext, HOOK_PATH } from '../harness.ts';
import { hookBodies } from '../hook-bodies.ts';
import { type LoadResult, type LoadSpec, runLoad } from '../load.ts';
import { fmtCpu, fmtMs, fmtPct, fmtRate, judge } from '../report.ts';
import { ratio } from '../stats.ts';
import type { BenchmarkResult } from './types.ts';

export const OVERHEAD_TARGET = 0.25;

/**
 * 1. Ingress overhead: the most hooks/s hook-ingress answers with the worker path out of the wait
 * (HOOK_RESPONSE_BUDGET_MS=0 → PENDING right after the enqueue; no worker running, so no sends compete for the
 * CPU), against a bare node:http server answering a constant 200, with identical autocannon settings and bodies.
 * Closed loop: a fixed number of connections, each sending its next hook as soon as the last is answered.
 */
export async function ingressOverhead(ctx: BenchContext): Promise<BenchmarkResult> {
  const connections = 32;
  const duration = ctx.quick ? 5 : 15;
  const warmup = ctx.quick ? 2 : 4;
  const system = await ctx.startSystem({ smsWorkers: 0, budgetMs: 0 });
  const bare = await ctx.startBaseline('bare-server.ts');
  try {
    const spec = (url: string): LoadSpec => ({
      url,
      path: HOOK_PATH,
      headers: { authorization: system.hookSecret },
      body: hookBodies().next,
      connections,
    });
    /** The measured run and the target's CPU per answered request over it (from /proc, ms). */
    const measure = async (
      url: string,
      pid: number | undefined,
    ): Promise<LoadResult & { cpuPerRequestMs: number }> => {
      // Warm-up first (JIT, connection pools, BullMQ scripts), then the measured run.
      await runLoad({ ...spec(url), duration: warmup });
      ctx.checkpoint();
      const cpu = new CpuMeter(pid === undefined ? [] : processTree(pid));
      const run = await runLoad({ ...spec(url), duration });
      return { ...run, cpuPerRequestMs: cpuPer(cpu.elapsedMs(), run.answered) };
    };
    // Interleaved, so drift on a shared machine hits both alike.
    const bareRun = await measure(bare.url, bare.process.pid);
    ctx.checkpoint();
    const ingressRun = await measure(system.ingressUrl, system.ingress.pid);
    const share = ratio(ingressRun.rps, bareRun.rps);
    const non200 = ingressRun.answered - (ingressRun.statusCounts['200'] ?? 0);
    const row = (name: string, run: LoadResult & { cpuPerRequestMs: number }) => [
      name,
      fmtRate(run.rps),
      fmtMs(run.latency.p50),
      fmtMs(run.latency.p99),
      fmtCpu(run.cpuPerRequestMs),
      String(run.answered - (run.statusCounts['200'] ?? 0) + run.errors + run.timeouts),
    ];
    return {
      section: {
        id: 'overhead',
        title: '1. Ingress overhead (budget 0 → PENDING)',
        setup:
          `autocannon, ${connections} connections, closed loop, ${duration} s after ${warmup} s warm-up, a fresh ` +
          'eventId per hook; hook-ingress with HOOK_RESPONSE_BUDGET_MS=0 and no worker; baseline a bare node:http ' +
          'server answering a constant 200, same settings and bodies.',
        table: {
          columns: ['target', 'hooks/s', 'p50', 'p99', 'CPU per hook', 'non-200 / errors'],
          rows: [
            row('bare node:http', bareRun),
            row('hook-ingress', ingressRun),
            ['ratio', fmtPct(share), '', '', '', ''],
          ],
        },
        notes: [
          ...(non200 > 0
            ? [`${non200} hook-ingress answers were not 200: throughput above includes them (see JSON).`]
            : []),
          'The load generator runs in the benchmark process on the same 2 cores: both figures are bounded by it alike.',
          'CPU per hook: utime + stime of the process (/proc/<pid>/stat) over the measured run ÷ requests answered.',
        ],
      },
      headlines: [
        {
          benchmark: '1. ingress throughput (budget 0)',
          figure: `${fmtRate(ingressRun.rps)} (${fmtPct(share)}), p99 ${fmtMs(ingressRun.latency.p99)}, ${fmtCpu(ingressRun.cpuPerRequestMs)} CPU/hook`,
          baseline: `bare node:http ${fmtRate(bareRun.rps)}, p99 ${fmtMs(bareRun.latency.p99)}, ${fmtCpu(bareRun.cpuPerRequestMs)} CPU/req`,
          target: `≥ ${fmtPct(OVERHEAD_TARGET)} of bare`,
          verdict: non200 > 0 ? 'not judged' : judge(share, { atLeast: OVERHEAD_TARGET }),
        },
      ],
      distributions: [
        {
          title: `1. ingress overhead, closed loop ${connections} connections (budget 0)`,
          series: [
            { label: 'bare node:http', latenciesMs: bareRun.latenciesMs },
            { label: 'hook-ingress', latenciesMs: ingressRun.latenciesMs },
          ],
        },
      ],
      raw: { connections, duration, warmup, bare: strip(bareRun), ingress: strip(ingressRun), share },
    };
  } finally {
    await bare.stop();
    await system.shutdown();
  }
}

/** A run without its per-request latencies (the JSON keeps the summary). */
export function strip(run: LoadResult): Omit<LoadResult, 'latenciesMs'> {
  const { latenciesMs: _dropped, ...rest } = run;
  return rest;
}
