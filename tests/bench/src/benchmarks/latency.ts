import { type BenchContext, HOOK_PATH } from '../harness.ts';
import { benchPhone, hookBodies } from '../hook-bodies.ts';
import { runPaced } from '../load.ts';
import { fmtMs, fmtRate, judge } from '../report.ts';
import { summarize } from '../stats.ts';
import { strip } from './overhead.ts';
import type { BenchmarkResult } from './types.ts';

export const SIM_LATENCY_MS = 50;
export const OVERHEAD_P99_TARGET_MS = 25;

/**
 * 2. Answer latency at a steady, realistic load: hooks evenly spaced at a fixed rate, the simulator answering Twilio calls after
 * 50 ms, one sms-worker, the default 2 s budget (so the answer is SUCCESSFUL once Twilio accepted). Our overhead is
 * the answer time minus the simulator's 50 ms. Baseline in the same run: the simulator's Twilio API called
 * directly at the same rate, which shows what the simulator and loopback HTTP themselves add.
 */
export async function answerLatency(ctx: BenchContext, requestedRate?: number): Promise<BenchmarkResult> {
  const rate = requestedRate ?? (ctx.quick ? 100 : 200);
  const duration = ctx.quick ? 5 : 20;
  const system = await ctx.startSystem({ smsWorkers: 1, budgetMs: 2_000, simLatencyMs: SIM_LATENCY_MS });
  try {
    const sid = system.env.TWILIO_ACCOUNT_SID as string;
    const basic = Buffer.from(`${sid}:${system.env.TWILIO_AUTH_TOKEN}`).toString('base64');
    const form = new URLSearchParams({
      To: benchPhone(90),
      From: system.env.TWILIO_FROM_NUMBER as string,
      Body: 'Your verification code is 123456',
    }).toString();
    const direct = await runPaced({
      url: system.twilioUrl,
      path: `/2010-04-01/Accounts/${sid}/Messages.json`,
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: () => form,
      rate,
      duration,
    });
    ctx.checkpoint();
    const hookSpec = {
      url: system.ingressUrl,
      path: HOOK_PATH,
      headers: { authorization: system.hookSecret },
      body: hookBodies({ phoneNumber: benchPhone(91) }).next,
      rate,
    };
    await runPaced({ ...hookSpec, duration: 2 }); // warm-up
    ctx.checkpoint();
    const ours = await runPaced({ ...hookSpec, duration });
    const overhead = summarize(ours.latenciesMs.map((ms) => ms - SIM_LATENCY_MS));
    const held = ours.rps >= rate * 0.95;
    const non200 = ours.answered - (ours.statusCounts['200'] ?? 0);
    return {
      section: {
        id: 'latency',
        title: `2. Answer latency at ${rate} hooks/s, simulator at ${SIM_LATENCY_MS} ms`,
        setup:
          `A paced open loop: one request every ${fmtMs(1000 / rate)} (${rate}/s) for ${duration} s after 2 s warm-up, ` +
          "latency counted from each request's scheduled time (autocannon's fixed rate sends each second as a burst); " +
          'one sms-worker (default concurrency), HOOK_RESPONSE_BUDGET_MS=2000; overhead = answer − 50 ms.',
        table: {
          columns: ['what', 'achieved', 'p50', 'p90', 'p99', 'max'],
          rows: [
            [
              'simulator called directly (baseline)',
              fmtRate(direct.rps),
              fmtMs(direct.latency.p50),
              fmtMs(direct.latency.p90),
              fmtMs(direct.latency.p99),
              fmtMs(direct.latency.max),
            ],
            [
              'Okta hook answer (byot)',
              fmtRate(ours.rps),
              fmtMs(ours.latency.p50),
              fmtMs(ours.latency.p90),
              fmtMs(ours.latency.p99),
              fmtMs(ours.latency.max),
            ],
            [
              'byot overhead (answer − 50 ms)',
              '',
              fmtMs(overhead.p50),
              fmtMs(overhead.p90),
              fmtMs(overhead.p99),
              '',
            ],
          ],
        },
        notes: [
          held
            ? `The box held ${rate} hooks/s (achieved ${fmtRate(ours.rps)}).`
            : `The box did NOT hold ${rate} hooks/s (achieved ${fmtRate(ours.rps)}): figures are at saturation.`,
          ...(non200 > 0 ? [`${non200} answers were not 200.`] : []),
          `Over the simulator's own direct latency the overhead is p50 ${fmtMs(ours.latency.p50 - direct.latency.p50)}, ` +
            `p99 ${fmtMs(ours.latency.p99 - direct.latency.p99)}.`,
        ],
      },
      headlines: [
        {
          benchmark: `2. answer overhead at ${fmtRate(ours.rps)}, sim 50 ms`,
          figure: `p50 ${fmtMs(overhead.p50)}, p99 ${fmtMs(overhead.p99)}`,
          baseline: `sim direct p50 ${fmtMs(direct.latency.p50)}, p99 ${fmtMs(direct.latency.p99)}`,
          target: `p99 ≤ ${OVERHEAD_P99_TARGET_MS} ms`,
          verdict: judge(overhead.p99, { atMost: OVERHEAD_P99_TARGET_MS }),
        },
      ],
      distributions: [
        {
          title: `2. answer latency at ${rate} hooks/s (sms, simulator at ${SIM_LATENCY_MS} ms)`,
          series: [
            { label: 'simulator directly', latenciesMs: direct.latenciesMs },
            { label: 'Okta hook answer (byot)', latenciesMs: ours.latenciesMs },
          ],
        },
      ],
      raw: { rate, duration, held, direct: strip(direct), ours: strip(ours), overhead },
    };
  } finally {
    await system.shutdown();
  }
}
