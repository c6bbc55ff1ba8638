import { createServer } from 'node:net';
import { getFreePort } from '@byot/testkit';
import { CpuMeter, cpuPer, processTree } from '../cpu.ts';
import { type BenchContext, type BenchSystem, HOOK_PATH, sleep } from '../harness.ts';
import { hookBodies } from '../hook-bodies.ts';
import { type LoadResult, type PacedTarget, runLoad, runPacedInterleaved } from '../load.ts';
import { fmtCpu, fmtMs, fmtPct, fmtRate, fmtRatio } from '../report.ts';
import { quantileDifference, ratio } from '../stats.ts';
import { strip } from './overhead.ts';
import type { BenchmarkResult } from './types.ts';

const HOST = '127.0.0.1';

interface Measured {
  run: LoadResult;
  cpuPerHookMs: number;
}

/**
 * 10. INGRESS_PROCESSES: one hook-ingress process against two on the same port (SO_REUSEPORT), both systems up
 * side by side in the same run (budget 0, no worker, as in 1). Throughput: autocannon's closed loop against each
 * in turn, alternating rounds; answer latency: one paced open-loop stream whose requests alternate between the
 * two, so both see the same moments of the shared machine. CPU per hook: all the ingress processes of a system.
 */
export async function ingressProcesses(ctx: BenchContext): Promise<BenchmarkResult> {
  const connections = 32;
  const duration = ctx.quick ? 4 : 10;
  const rounds = ctx.quick ? 1 : 2;
  const pacedRate = ctx.quick ? 300 : 600;
  const pacedDuration = ctx.quick ? 6 : 20;
  const one = await ctx.startSystem({ smsWorkers: 0, budgetMs: 0 });
  const twoAdmin = await adminPortPair();
  const two = await ctx.startSystem({
    smsWorkers: 0,
    budgetMs: 0,
    ingressEnv: { INGRESS_PROCESSES: '2', ADMIN_PORT: String(twoAdmin) },
  });
  try {
    await waitForAdmin(twoAdmin + 1);
    const pids = (system: BenchSystem) => processTree(system.ingress.pid as number);
    if (pids(two).length < 2) throw new Error('INGRESS_PROCESSES=2 started no second process');
    const closedLoop = async (system: BenchSystem): Promise<Measured> => {
      const spec = {
        url: system.ingressUrl,
        path: HOOK_PATH,
        headers: { authorization: system.hookSecret },
        body: hookBodies().next,
        connections,
      };
      await runLoad({ ...spec, duration: 2 }); // warm-up
      ctx.checkpoint();
      const cpu = new CpuMeter(pids(system));
      const run = await runLoad({ ...spec, duration });
      return { run, cpuPerHookMs: cpuPer(cpu.elapsedMs(), run.answered) };
    };
    const ones: Measured[] = [];
    const twos: Measured[] = [];
    for (let i = 0; i < rounds; i++) {
      // A B, then B A: a drift over the run falls on both.
      const order = i % 2 === 0 ? [one, two] : [two, one];
      for (const system of order) {
        ctx.checkpoint();
        (system === one ? ones : twos).push(await closedLoop(system));
      }
    }
    const target = (system: BenchSystem): PacedTarget => ({
      url: system.ingressUrl,
      path: HOOK_PATH,
      headers: { authorization: system.hookSecret },
      body: hookBodies().next,
    });
    ctx.checkpoint();
    await runPacedInterleaved([target(one), target(two)], { rate: pacedRate, duration: 2 });
    const cpuOne = new CpuMeter(pids(one));
    const cpuTwo = new CpuMeter(pids(two));
    const [pacedOne, pacedTwo] = await runPacedInterleaved([target(one), target(two)], {
      rate: pacedRate,
      duration: pacedDuration,
    });
    if (!pacedOne || !pacedTwo) throw new Error('interleaved run returned no result');
    const pacedCpuOne = cpuPer(cpuOne.elapsedMs(), pacedOne.answered);
    const pacedCpuTwo = cpuPer(cpuTwo.elapsedMs(), pacedTwo.answered);
    const p99 = quantileDifference(pacedOne.latenciesMs, pacedTwo.latenciesMs, 0.99);
    // How the kernel spread the connections: each process's own count of hooks answered, over the whole run.
    const spread = await Promise.all([twoAdmin, twoAdmin + 1].map((port) => hooksAnsweredBy(port)));
    const spreadTotal = spread.reduce((a, b) => a + b, 0);

    const mean = (xs: readonly Measured[], f: (m: Measured) => number) =>
      xs.reduce((sum, m) => sum + f(m), 0) / Math.max(1, xs.length);
    const rpsOne = mean(ones, (m) => m.run.rps);
    const rpsTwo = mean(twos, (m) => m.run.rps);
    const scaling = ratio(rpsTwo, rpsOne);
    const closedRow = (name: string, xs: readonly Measured[]) => [
      name,
      fmtRate(mean(xs, (m) => m.run.rps)),
      fmtMs(mean(xs, (m) => m.run.latency.p50)),
      fmtMs(mean(xs, (m) => m.run.latency.p99)),
      fmtCpu(mean(xs, (m) => m.cpuPerHookMs)),
      String(xs.reduce((n, m) => n + m.run.answered - (m.run.statusCounts['200'] ?? 0) + m.run.errors, 0)),
    ];
    const pacedRow = (name: string, run: LoadResult, cpu: number) => [
      name,
      fmtRate(run.rps),
      fmtMs(run.latency.p50),
      fmtMs(run.latency.p99),
      fmtCpu(cpu),
      String(run.answered - (run.statusCounts['200'] ?? 0) + run.errors + run.timeouts),
    ];
    return {
      section: {
        id: 'processes',
        title: '10. INGRESS_PROCESSES: one ingress process vs two on one port',
        setup:
          `Two systems side by side (budget 0, no worker): INGRESS_PROCESSES=1 and =2. Closed loop: autocannon, ` +
          `${connections} connections, ${duration} s per round after 2 s warm-up, ${rounds} round(s) each in A B / B A ` +
          `order (figures are the means). Paced: ${pacedRate} hooks/s for ${pacedDuration} s in one stream ` +
          `alternating between the two systems (${pacedRate / 2}/s each).`,
        table: {
          columns: ['load', 'hooks/s', 'p50', 'p99', 'CPU per hook', 'non-200 / errors'],
          rows: [
            closedRow('closed loop, 1 process', ones),
            closedRow('closed loop, 2 processes', twos),
            ['scaling (2 ÷ 1)', fmtRatio(scaling), '', '', '', ''],
            pacedRow(`paced ${pacedRate / 2}/s, 1 process`, pacedOne, pacedCpuOne),
            pacedRow(`paced ${pacedRate / 2}/s, 2 processes`, pacedTwo, pacedCpuTwo),
            [
              'p99 difference (2 − 1), 95% interval',
              '',
              '',
              `${fmtMs(p99.estimate)} [${fmtMs(p99.low)}, ${fmtMs(p99.high)}]`,
              '',
              '',
            ],
          ],
        },
        notes: [
          'The load generator (this process), Redis and both systems share the same 2 cores: a second ingress ' +
            'process can only add the CPU the others leave, so the scaling is a lower bound of what a box with ' +
            'more cores than processes would show.',
          'CPU per hook: utime + stime of every ingress process of the system over the run ÷ hooks answered.',
          `SO_REUSEPORT spread over the two processes (their own byot_hook_answers_total, whole run): ` +
            `${spread.map((n) => fmtPct(ratio(n, spreadTotal))).join(' / ')} of ${spreadTotal} hooks.`,
        ],
      },
      headlines: [
        {
          benchmark: '10. INGRESS_PROCESSES=2 vs 1 (closed loop)',
          figure: `${fmtRate(rpsTwo)} = ${fmtRatio(scaling)}× one process`,
          baseline: `1 process ${fmtRate(rpsOne)}`,
          target: 'scaling on 2 cores (not judged)',
          verdict: 'not judged',
        },
      ],
      distributions: [
        {
          title: `10. INGRESS_PROCESSES: paced ${pacedRate / 2} hooks/s each (interleaved, budget 0)`,
          series: [
            { label: '1 process', latenciesMs: pacedOne.latenciesMs },
            { label: '2 processes', latenciesMs: pacedTwo.latenciesMs },
          ],
        },
      ],
      raw: {
        connections,
        duration,
        rounds,
        one: ones.map((m) => ({ ...strip(m.run), cpuPerHookMs: m.cpuPerHookMs })),
        two: twos.map((m) => ({ ...strip(m.run), cpuPerHookMs: m.cpuPerHookMs })),
        scaling,
        spread,
        paced: {
          rate: pacedRate,
          duration: pacedDuration,
          one: { ...strip(pacedOne), cpuPerHookMs: pacedCpuOne },
          two: { ...strip(pacedTwo), cpuPerHookMs: pacedCpuTwo },
          p99Difference: p99,
        },
      },
    };
  } finally {
    await Promise.allSettled([one.shutdown(), two.shutdown()]);
  }
}

/** A free port whose successor is free too: the second ingress process serves its admin port there. */
async function adminPortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await getFreePort();
    if (port < 65_535 && (await isFree(port + 1))) return port;
  }
  throw new Error('no two consecutive free ports for the admin servers');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** The forked copy is ready once its own admin port answers (it listens on the hook port just before). */
async function waitForAdmin(port: number): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 30_000; ) {
    const ok = await fetch(`http://${HOST}:${port}/metrics`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`the second ingress process never served its admin port ${port}`);
}

/** Hooks one ingress process answered, from its own /metrics (byot_hook_answers_total, all labels summed). */
async function hooksAnsweredBy(adminPort: number): Promise<number> {
  const text = await (await fetch(`http://${HOST}:${adminPort}/metrics`)).text();
  let total = 0;
  for (const [, value] of text.matchAll(/^byot_hook_answers_total\{[^}]*\} (\d+)/gm)) total += Number(value);
  return total;
}
