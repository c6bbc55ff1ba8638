import { CpuMeter, cpuPer } from '../cpu.ts';
import { type BenchContext, HOOK_PATH } from '../harness.ts';
import { benchPhone, hookBodies } from '../hook-bodies.ts';
import { type PacedTarget, runPacedInterleaved } from '../load.ts';
import { fmtCpu, fmtMs, fmtRate, fmtRatio, judge } from '../report.ts';
import { summarize } from '../stats.ts';
import { type DrainRound, drainRound } from './drain.ts';
import { SIM_LATENCY_MS } from './latency.ts';
import { strip } from './overhead.ts';
import type { BenchmarkResult } from './types.ts';
import { CPU_NOTE, WORKER_CONCURRENCY, WORKER_LATENCY_MS, WORKER_RATIO_TARGET } from './workers.ts';

const TWIML = '<Response><Say>Your verification code is 1, 2, 3, 4, 5, 6.</Say></Response>';

/**
 * 9. voice-worker: the sms rows (3 and 2) for calls. Throughput: the queue pre-filled with voice hooks
 * (deliveryChannel "Voice Call", budget 0), one voice-worker at VOICE_WORKER_CONCURRENCY=100 draining it against the
 * simulator's Twilio Calls API at 100 ms, judged by the same ratio to the concurrency-bound ideal. Latency: a paced
 * open loop of voice hooks (budget 2 s, the simulator at 50 ms), interleaved request by request with the baseline,
 * the simulator's Calls API called directly, so both are measured in the same moments.
 */
export async function voiceWorker(ctx: BenchContext, requestedRate?: number): Promise<BenchmarkResult> {
  const drainSystem = await ctx.startSystem({
    smsWorkers: 0,
    budgetMs: 0,
    voiceConcurrency: WORKER_CONCURRENCY,
    simLatencyMs: WORKER_LATENCY_MS,
    simEnv: { SIM_MAX_RECORDS: '50000' },
  });
  let round: DrainRound;
  try {
    round = await drainRound(drainSystem, {
      channel: 'voice',
      processes: 1,
      jobs: ctx.quick ? 600 : 3_000,
      concurrency: WORKER_CONCURRENCY,
      latencyMs: WORKER_LATENCY_MS,
      phoneIndex: 60,
      aborted: () => ctx.aborted,
    });
  } finally {
    await drainSystem.shutdown();
  }
  ctx.checkpoint();

  // Hooks plus the direct baseline share one stream: each gets half of it.
  const rate = (requestedRate ?? (ctx.quick ? 50 : 100)) * 2;
  const duration = ctx.quick ? 6 : 20;
  const system = await ctx.startSystem({
    smsWorkers: 0,
    voiceWorkers: 1,
    budgetMs: 2_000,
    simLatencyMs: SIM_LATENCY_MS,
  });
  try {
    const sid = system.env.TWILIO_ACCOUNT_SID as string;
    const basic = Buffer.from(`${sid}:${system.env.TWILIO_AUTH_TOKEN}`).toString('base64');
    const form = new URLSearchParams({
      To: benchPhone(61),
      From: system.env.TWILIO_FROM_NUMBER as string,
      Twiml: TWIML,
    }).toString();
    const direct: PacedTarget = {
      url: system.twilioUrl,
      path: `/2010-04-01/Accounts/${sid}/Calls.json`,
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: () => form,
    };
    const hook: PacedTarget = {
      url: system.ingressUrl,
      path: HOOK_PATH,
      headers: { authorization: system.hookSecret },
      body: hookBodies({ phoneNumber: benchPhone(62), deliveryChannel: 'Voice Call' }).next,
    };
    await runPacedInterleaved([direct, hook], { rate, duration: 2 }); // warm-up
    ctx.checkpoint();
    const worker = system.voiceWorkers[0];
    const workerCpu = new CpuMeter([worker?.pid]);
    const ingressCpu = new CpuMeter([system.ingress.pid]);
    const [directRun, hookRun] = await runPacedInterleaved([direct, hook], { rate, duration });
    if (!directRun || !hookRun) throw new Error('interleaved run returned no result');
    const workerCpuPerCall = cpuPer(workerCpu.elapsedMs(), hookRun.answered);
    const ingressCpuPerHook = cpuPer(ingressCpu.elapsedMs(), hookRun.answered);
    const overhead = summarize(hookRun.latenciesMs.map((ms) => ms - SIM_LATENCY_MS));
    const non200 = hookRun.answered - (hookRun.statusCounts['200'] ?? 0);
    const lat = (run: typeof hookRun) => [
      fmtRate(run.rps),
      fmtMs(run.latency.p50),
      fmtMs(run.latency.p90),
      fmtMs(run.latency.p99),
      fmtMs(run.latency.max),
    ];
    return {
      section: {
        id: 'voice',
        title: `9. voice-worker (simulator's Twilio Calls API)`,
        setup:
          `Throughput: ${round.jobs} voice hooks queued through hook-ingress (budget 0), one voice-worker ` +
          `(VOICE_WORKER_CONCURRENCY=${WORKER_CONCURRENCY}, simulator at ${WORKER_LATENCY_MS} ms) timed until every ` +
          `call was accepted; rate = slope between 10% and 90%. Latency: ${rate / 2} voice hooks/s for ${duration} s ` +
          `(budget 2 s, simulator at ${SIM_LATENCY_MS} ms, one voice-worker at its default concurrency), in one paced ` +
          `stream interleaved with the simulator's Calls API called directly at the same rate.`,
        table: {
          columns: [
            'what',
            'calls/s',
            'p50',
            'p90',
            'p99',
            'max',
            'ratio of ideal',
            'worker CPU/call',
            'ingress CPU/hook',
          ],
          rows: [
            [
              `drain, 1 voice-worker × ${WORKER_CONCURRENCY}`,
              fmtRate(round.rate),
              '',
              '',
              '',
              '',
              fmtRatio(round.ratio),
              fmtCpu(round.workerCpuPerMessageMs),
              '',
            ],
            ['simulator Calls API directly (baseline)', ...lat(directRun), '', '', ''],
            [
              'Okta voice hook answer (byot)',
              ...lat(hookRun),
              '',
              fmtCpu(workerCpuPerCall),
              fmtCpu(ingressCpuPerHook),
            ],
            [
              'byot overhead (answer − 50 ms)',
              '',
              fmtMs(overhead.p50),
              fmtMs(overhead.p90),
              fmtMs(overhead.p99),
              '',
              '',
              '',
              '',
            ],
          ],
        },
        notes: [
          `Drain: ${round.delivered} of ${round.jobs} calls in ${round.drainSec.toFixed(1)} s, ideal ` +
            `${fmtRate(round.ideal, ' calls/s')}; Redis ${fmtCpu(round.redisCpuPerMessageMs)} CPU, ` +
            `${round.redis.roundTrips.toFixed(2)} round trips and ${round.redis.commands.toFixed(1)} commands per call.`,
          ...(non200 > 0 ? [`${non200} voice hook answers were not 200.`] : []),
          CPU_NOTE,
        ],
      },
      headlines: [
        {
          benchmark: `9. voice-worker throughput, 1 process × ${WORKER_CONCURRENCY}`,
          figure: `${fmtRate(round.rate, ' calls/s')} = ${fmtRatio(round.ratio)} of ideal, ${fmtCpu(round.workerCpuPerMessageMs)} CPU/call`,
          baseline: `ideal ${fmtRate(round.ideal, ' calls/s')}`,
          target: `≥ ${WORKER_RATIO_TARGET} of ideal (as sms)`,
          verdict: judge(round.ratio, { atLeast: WORKER_RATIO_TARGET }),
        },
        {
          benchmark: `9. voice answer overhead at ${fmtRate(hookRun.rps)}, sim 50 ms`,
          figure: `p50 ${fmtMs(overhead.p50)}, p99 ${fmtMs(overhead.p99)}`,
          baseline: `sim Calls direct p50 ${fmtMs(directRun.latency.p50)}, p99 ${fmtMs(directRun.latency.p99)}`,
          target: 'not judged',
          verdict: 'not judged',
        },
      ],
      distributions: [
        {
          title: `9. voice answer latency at ${rate / 2} hooks/s (simulator at ${SIM_LATENCY_MS} ms, interleaved)`,
          series: [
            { label: 'simulator Calls API directly', latenciesMs: directRun.latenciesMs },
            { label: 'Okta voice hook answer (byot)', latenciesMs: hookRun.latenciesMs },
          ],
        },
      ],
      raw: {
        round,
        rate: rate / 2,
        duration,
        direct: strip(directRun),
        hook: strip(hookRun),
        overhead,
        workerCpuPerCall,
        ingressCpuPerHook,
      },
    };
  } finally {
    await system.shutdown();
  }
}
