import { type BenchContext, HOOK_PATH } from '../harness.ts';
import { benchPhone, hookBodies } from '../hook-bodies.ts';
import { runLoad } from '../load.ts';
import { redisUsedMemory } from '../redis-info.ts';
import { fmtMiB, fmtMs, fmtRate } from '../report.ts';
import type { BenchmarkResult } from './types.ts';

interface Step {
  rate: number;
  achieved: number;
  accepted: number;
  inFlight: number;
  p50: number;
  p99: number;
  redisBytes: number;
  /** (used_memory − empty) per 1 000 in-flight deliveries. */
  bytesPer1000: number;
  /** This step's own memory growth per 1 000 deliveries it added. */
  stepBytesPer1000: number;
}

/**
 * 6. Cost growth: hooks at a rate that doubles each step (budget 0, no worker running, so every accepted hook stays
 * in flight — a backlog, as when the provider is slow and the workers are behind). After each step: answer
 * latency of that step, Redis used_memory, and memory per 1 000 in-flight deliveries.
 */
export async function costGrowth(ctx: BenchContext): Promise<BenchmarkResult> {
  const rates = ctx.quick ? [50, 100, 200, 400] : [50, 100, 200, 400, 800];
  const duration = ctx.quick ? 2 : 8;
  const system = await ctx.startSystem({ smsWorkers: 0, budgetMs: 0 });
  const steps: Step[] = [];
  try {
    const empty = await redisUsedMemory(system.redis.url);
    let inFlight = 0;
    let lastBytes = empty;
    for (const [index, rate] of rates.entries()) {
      ctx.checkpoint();
      const run = await runLoad({
        url: system.ingressUrl,
        path: HOOK_PATH,
        headers: { authorization: system.hookSecret },
        body: hookBodies({ phoneNumber: benchPhone(70 + index) }).next,
        connections: Math.min(20, rate),
        rate,
        duration,
      });
      const accepted = run.statusCounts['200'] ?? 0;
      inFlight += accepted;
      const redisBytes = await redisUsedMemory(system.redis.url);
      steps.push({
        rate,
        achieved: run.rps,
        accepted,
        inFlight,
        p50: run.latency.p50,
        p99: run.latency.p99,
        redisBytes,
        bytesPer1000: ((redisBytes - empty) / inFlight) * 1000,
        stepBytesPer1000: ((redisBytes - lastBytes) / accepted) * 1000,
      });
      lastBytes = redisBytes;
    }
  } finally {
    await system.shutdown();
  }
  const first = steps[0];
  const last = steps[steps.length - 1];
  return {
    section: {
      id: 'growth',
      title: '6. Cost growth as load doubles (backlog kept in flight)',
      setup:
        `Hook rate doubled every ${duration} s (${rates.join(' → ')}/s), HOOK_RESPONSE_BUDGET_MS=0, no worker: every ` +
        'accepted hook stays queued. Redis INFO used_memory after each step.',
      table: {
        columns: [
          'rate',
          'achieved',
          'p50 answer',
          'p99 answer',
          'in flight',
          'Redis used',
          'per 1 000 in flight',
        ],
        rows: steps.map((s) => [
          fmtRate(s.rate),
          fmtRate(s.achieved),
          fmtMs(s.p50),
          fmtMs(s.p99),
          s.inFlight.toLocaleString('en-US'),
          fmtMiB(s.redisBytes),
          fmtMiB(s.bytesPer1000),
        ]),
      },
      notes: [
        'Per 1 000 in flight = (used_memory − used_memory when empty) ÷ in-flight × 1 000: job, sealed payload and ' +
          'delivery record together.',
      ],
    },
    headlines:
      first && last
        ? [
            {
              benchmark: '6. cost growth (backlog)',
              figure: `${fmtMiB(last.bytesPer1000)} Redis / 1 000 in flight; p99 ${fmtMs(last.p99)} at ${fmtRate(last.rate)}`,
              baseline: `p99 ${fmtMs(first.p99)} at ${fmtRate(first.rate)}`,
              target: 'figures (not judged)',
              verdict: 'not judged',
            },
          ]
        : [],
    raw: { rates, duration, steps },
  };
}
