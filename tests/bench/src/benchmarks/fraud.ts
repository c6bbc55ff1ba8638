import { FRAUD_ALL_ON, FRAUD_OFF } from '../fraud-env.ts';
import { type BenchContext, type BenchSystem, HOOK_PATH } from '../harness.ts';
import { hookBodies } from '../hook-bodies.ts';
import { type LoadResult, runPacedInterleaved } from '../load.ts';
import { redisInfo } from '../redis-info.ts';
import { fmtMs, fmtRate, type Verdict } from '../report.ts';
import { quantileDifference, summarize } from '../stats.ts';
import type { BenchmarkResult } from './types.ts';

export const FRAUD_P99_TARGET_MS = 1;

/** Calls and microseconds per Redis command, from INFO commandstats (commands run inside scripts included). */
export async function commandStats(url: string): Promise<Map<string, { calls: number; usec: number }>> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const [key, value] of await redisInfo(url, 'commandstats')) {
    if (!key.startsWith('cmdstat_')) continue;
    const fields = Object.fromEntries(value.split(',').map((pair) => pair.split('=') as [string, string]));
    stats.set(key.slice('cmdstat_'.length), {
      calls: Number(fields.calls ?? 0),
      usec: Number(fields.usec ?? 0),
    });
  }
  return stats;
}

/** What the Redis of one system did per hook between two commandstats readings. */
export function redisCostPerHook(
  before: Map<string, { calls: number; usec: number }>,
  after: Map<string, { calls: number; usec: number }>,
  hooks: number,
): { scripts: number; commands: number; scriptUsec: number } {
  const delta = (name: string, field: 'calls' | 'usec') =>
    (after.get(name)?.[field] ?? 0) - (before.get(name)?.[field] ?? 0);
  let commands = 0;
  for (const name of after.keys()) {
    // INFO itself is the benchmark's, not the hook's.
    if (name !== 'info' && name !== 'evalsha' && name !== 'eval') commands += delta(name, 'calls');
  }
  const per = (n: number) => (hooks === 0 ? 0 : n / hooks);
  return {
    scripts: per(delta('evalsha', 'calls') + delta('eval', 'calls')),
    commands: per(commands),
    scriptUsec: per(delta('evalsha', 'usec') + delta('eval', 'usec')),
  };
}

/**
 * The verdict on "the p99 difference is at most `targetMs`" from its 95 % interval, not its point estimate (a p99
 * of a few thousand answers moves by more than the target on a shared machine): met when the whole interval is
 * within the target, missed when the whole interval is beyond it, not judged when the interval straddles it.
 */
export function intervalVerdict(interval: { low: number; high: number }, targetMs: number): Verdict {
  if (!Number.isFinite(interval.low) || !Number.isFinite(interval.high)) return 'not judged';
  if (interval.high <= targetMs) return 'met';
  if (interval.low > targetMs) return 'missed';
  return 'not judged';
}

/**
 * 8. Fraud controls: the hook answer with every control on against every control off, at the same paced load, in
 * two identical systems fed by one stream that alternates between them request by request (so the machine's drift
 * hits both alike). Budget 0 and no
 * worker: the answer comes right after the enqueue, so the difference is the controls' own cost. Every hook is a
 * pre-enrollment from a different person (its own user id and number, spread over 1 000-blocks), which passes
 * every control and meets all ten limits: the most expensive path. Redis cost from INFO commandstats.
 */
export async function fraudControls(ctx: BenchContext): Promise<BenchmarkResult> {
  // The stream's rate over both systems: each receives half of it, in the same moments as the other.
  const rate = ctx.quick ? 100 : 200;
  const slices = ctx.quick ? 2 : 8;
  const sliceSec = ctx.quick ? 4 : 8;
  const start = (env: Readonly<Record<string, string>>) =>
    ctx.startSystem({ smsWorkers: 0, budgetMs: 0, ingressEnv: { ...env } });
  const off = await start(FRAUD_OFF);
  const on = await start(FRAUD_ALL_ON);
  try {
    const spec = (system: BenchSystem) => ({
      url: system.ingressUrl,
      path: HOOK_PATH,
      headers: { authorization: system.hookSecret },
      body: hookBodies({ people: true, requestType: 'com.okta.user.telephony.pre-enrollment' }).next,
      rate,
    });
    const offSpec = spec(off);
    const onSpec = spec(on);
    // Warm-up (JIT, connections, scripts loaded), then the measured slices, alternating.
    await runPacedInterleaved([offSpec, onSpec], { rate, duration: 2 });
    ctx.checkpoint();
    const runs: { off: LoadResult[]; on: LoadResult[] } = { off: [], on: [] };
    const statsBefore = { off: await commandStats(off.redis.url), on: await commandStats(on.redis.url) };
    // One paced stream, the two systems taking turns request by request: a GC pause, a neighbour's burst or the
    // generator's own jitter lands on both alike, so the difference in their tails is the controls' own.
    for (let i = 0; i < slices; i++) {
      const [offRun, onRun] = await runPacedInterleaved([offSpec, onSpec], { rate, duration: sliceSec });
      runs.off.push(offRun as LoadResult);
      runs.on.push(onRun as LoadResult);
      ctx.checkpoint();
    }
    const statsAfter = { off: await commandStats(off.redis.url), on: await commandStats(on.redis.url) };
    const pooled = (results: LoadResult[]) => {
      const latencies = results.flatMap((r) => r.latenciesMs);
      const answered = results.reduce((n, r) => n + r.answered, 0);
      const status200 = results.reduce((n, r) => n + (r.statusCounts['200'] ?? 0), 0);
      const seconds = results.reduce((n, r) => n + r.durationSec, 0);
      return {
        latency: summarize(latencies),
        answered,
        non200: answered - status200,
        rps: answered / seconds,
      };
    };
    const offRun = pooled(runs.off);
    const onRun = pooled(runs.on);
    const offCost = redisCostPerHook(statsBefore.off, statsAfter.off, offRun.answered);
    const onCost = redisCostPerHook(statsBefore.on, statsAfter.on, onRun.answered);
    const p99Delta = onRun.latency.p99 - offRun.latency.p99;
    const p99Interval = quantileDifference(
      runs.off.flatMap((r) => r.latenciesMs),
      runs.on.flatMap((r) => r.latenciesMs),
      0.99,
    );
    const interval = `95 % interval ${fmtMs(p99Interval.low)} … ${fmtMs(p99Interval.high)}`;
    const row = (name: string, run: ReturnType<typeof pooled>, cost: typeof offCost) => [
      name,
      fmtRate(run.rps),
      fmtMs(run.latency.p50),
      fmtMs(run.latency.p90),
      fmtMs(run.latency.p99),
      cost.scripts.toFixed(2),
      cost.commands.toFixed(1),
      `${cost.scriptUsec.toFixed(0)} µs`,
      String(run.non200),
    ];
    return {
      section: {
        id: 'fraud',
        title: `8. Fraud controls: every control on vs off, ${rate / 2} hooks/s each in one interleaved stream`,
        setup:
          `Two identical systems (one hook-ingress, no worker, HOOK_RESPONSE_BUDGET_MS=0: PENDING right after the ` +
          `enqueue), one with every control off, one with every control on (country list, number types, all ten ` +
          `limits, anomaly detector on prefix, range and country for every request type); one paced open loop at ${rate}/s ` +
          `taking turns between the two systems request by request (${rate / 2}/s each, in the same moments), ` +
          `${slices} slices of ${sliceSec} s after 2 s warm-ups; every hook a pre-enrollment from a ` +
          'different person (the most expensive path). Redis per hook from INFO commandstats: scripts = EVAL/EVALSHA ' +
          'round trips, commands = every other command (those run inside scripts included), script time.',
        table: {
          columns: [
            'controls',
            'achieved',
            'p50',
            'p90',
            'p99',
            'scripts/hook',
            'commands/hook',
            'script time/hook',
            'non-200',
          ],
          rows: [
            row('off', offRun, offCost),
            row('on (all)', onRun, onCost),
            [
              'difference',
              '',
              fmtMs(onRun.latency.p50 - offRun.latency.p50),
              fmtMs(onRun.latency.p90 - offRun.latency.p90),
              `${fmtMs(p99Delta)} (${interval})`,
              (onCost.scripts - offCost.scripts).toFixed(2),
              (onCost.commands - offCost.commands).toFixed(1),
              `${(onCost.scriptUsec - offCost.scriptUsec).toFixed(0)} µs`,
              '',
            ],
          ],
        },
        notes: [
          'With the controls off the hook makes no fraud call at all; on, it adds one script round trip (all limits, ' +
            'holds and the detector together) on the connection the enqueue uses.',
          ...(onRun.non200 + offRun.non200 > 0
            ? [`${onRun.non200 + offRun.non200} answers were not 200.`]
            : []),
        ],
      },
      headlines: [
        {
          benchmark: `8. fraud controls on vs off at ${fmtRate(onRun.rps)}`,
          figure: `p99 ${p99Delta >= 0 ? '+' : '−'}${fmtMs(Math.abs(p99Delta))} (${interval}; on ${fmtMs(onRun.latency.p99)}), +${(onCost.scripts - offCost.scripts).toFixed(2)} round trips/hook`,
          baseline: `off p99 ${fmtMs(offRun.latency.p99)}`,
          target: `p99 difference ≤ ${FRAUD_P99_TARGET_MS} ms (its 95 % interval)`,
          verdict:
            onRun.non200 + offRun.non200 > 0
              ? 'not judged'
              : intervalVerdict(p99Interval, FRAUD_P99_TARGET_MS),
        },
      ],
      distributions: [
        {
          title: `8. fraud controls: hook answer at ${fmtRate(onRun.rps)}, off vs on (interleaved)`,
          series: [
            { label: 'controls off', latenciesMs: runs.off.flatMap((r) => r.latenciesMs) },
            { label: 'controls on', latenciesMs: runs.on.flatMap((r) => r.latenciesMs) },
          ],
        },
      ],
      raw: {
        rate,
        slices,
        sliceSec,
        off: { ...offRun, redis: offCost },
        on: { ...onRun, redis: onCost },
        p99Delta,
        p99Interval,
      },
    };
  } finally {
    await Promise.all([off.shutdown(), on.shutdown()]);
  }
}
