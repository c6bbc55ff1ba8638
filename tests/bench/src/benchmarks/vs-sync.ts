import { type BenchContext, type BenchSystem, HOOK_PATH, sleep } from '../harness.ts';
import { benchPhone, hookBodies } from '../hook-bodies.ts';
import { type LoadResult, runLoad } from '../load.ts';
import { fmtMs, fmtPct, type Headline } from '../report.ts';
import { ratio } from '../stats.ts';
import { strip } from './overhead.ts';
import type { BenchmarkResult } from './types.ts';

export const OKTA_WINDOW_MS = 3_000;
/** Deliveries are counted once no cell's count has moved for this long (and byot has delivered every code). */
const QUIET_MS = 1_000;

interface Scenario {
  name: string;
  faults: Record<string, unknown>;
}

const SCENARIOS: Scenario[] = [
  { name: 'provider 50 ms', faults: { latencyMs: 50 } },
  { name: 'provider 1 s', faults: { latencyMs: 1_000 } },
  { name: 'provider 2.8 s', faults: { latencyMs: 2_800 } },
  { name: 'provider hangs', faults: { hangRate: 1 } },
];

interface Outcome {
  scenario: string;
  target: 'sync Twilio (usual)' | 'byot';
  sent: number;
  inWindow: number;
  delivered: number;
  deliveredShare: number;
  run: LoadResult;
}

/**
 * 4. Against the usual implementation: an Express handler awaiting the Twilio SDK inside the hook
 * (baselines/twilio-sync.ts) and byot (budget 2 s, one sms-worker), both sending to the same simulator, at
 * provider latencies of 50 ms, 1 s, 2.8 s and with the provider hanging. The client stands in for Okta: it gives
 * up after 3.5 s, and only answers within 3 s count. Each target and scenario has its own phone number, so the
 * codes delivered are counted at the simulator per cell; the hanging provider is restored after both targets ran,
 * and deliveries are counted within a grace period (what a queue can still deliver, it does then): as soon as
 * byot has delivered every code and no count has moved for 1 s, at the latest when the grace period ends.
 */
export async function versusSync(ctx: BenchContext): Promise<BenchmarkResult> {
  const hooks = ctx.quick ? 20 : 100;
  const connections = 10;
  const graceMs = ctx.quick ? 4_000 : 12_000;
  const system = await ctx.startSystem({ smsWorkers: 1, budgetMs: 2_000 });
  const theirs = await ctx.startBaseline('twilio-sync.ts', {
    TWILIO_API_BASE_URL: system.twilioUrl,
    TWILIO_ACCOUNT_SID: system.env.TWILIO_ACCOUNT_SID as string,
    TWILIO_AUTH_TOKEN: system.env.TWILIO_AUTH_TOKEN as string,
    TWILIO_FROM_NUMBER: system.env.TWILIO_FROM_NUMBER as string,
    OKTA_HOOK_AUTH_SECRET: system.hookSecret,
  });
  const outcomes: Outcome[] = [];
  try {
    for (const [index, scenario] of SCENARIOS.entries()) {
      ctx.checkpoint();
      await system.setSimFaults(scenario.faults, 'twilio');
      const cells: { target: Outcome['target']; phone: string; run: LoadResult }[] = [];
      for (const [t, target] of [
        ['sync Twilio (usual)', theirs.url],
        ['byot', system.ingressUrl],
      ] as const) {
        ctx.checkpoint();
        const phone = benchPhone(50 + index * 2 + (t === 'byot' ? 1 : 0));
        const run = await runLoad({
          url: target,
          path: HOOK_PATH,
          headers: { authorization: system.hookSecret },
          body: hookBodies({ phoneNumber: phone }).next,
          connections,
          amount: hooks,
          timeoutSec: 3.5,
        });
        cells.push({ target: t, phone, run });
      }
      await system.setSimFaults(null, 'twilio');
      const counts = await deliveredCounts(system, cells, hooks, graceMs);
      for (const [c, cell] of cells.entries()) {
        const delivered = counts[c] ?? 0;
        const inWindow = ok200Within(cell.run, OKTA_WINDOW_MS);
        outcomes.push({
          scenario: scenario.name,
          target: cell.target,
          sent: hooks,
          inWindow: ratio(inWindow, hooks),
          delivered,
          deliveredShare: ratio(delivered, hooks),
          run: cell.run,
        });
      }
    }
  } finally {
    await theirs.stop();
    await system.shutdown();
  }
  const cell = (scenario: string, target: Outcome['target']) =>
    outcomes.find((o) => o.scenario === scenario && o.target === target);
  const headlines: Headline[] = SCENARIOS.map(({ name }) => {
    const ours = cell(name, 'byot');
    const usual = cell(name, 'sync Twilio (usual)');
    return {
      benchmark: `4. vs sync Twilio, ${name}`,
      figure: `in 3 s ${fmtPct(ours?.inWindow)}, delivered ${fmtPct(ours?.deliveredShare)}`,
      baseline: `usual: in 3 s ${fmtPct(usual?.inWindow)}, delivered ${fmtPct(usual?.deliveredShare)}`,
      target: 'comparison',
      verdict: 'not judged',
    };
  });
  return {
    section: {
      id: 'vs-sync',
      title: '4. Against the usual implementation (Twilio called synchronously inside the hook)',
      setup:
        `${hooks} hooks per target and scenario over ${connections} connections (closed loop); the client gives up ` +
        `at 3.5 s; "in 3 s" = 200 answers within Okta's 3 s window, of all hooks sent; "delivered" = messages the ` +
        `simulator accepted for that cell's number, counted once byot had delivered every code and no count had ` +
        `moved for ${QUIET_MS / 1000} s, at the latest ${graceMs / 1000} s after the provider was restored.`,
      table: {
        columns: [
          'scenario',
          'target',
          'answered in 3 s',
          'p50 answer',
          'p99 answer',
          'timeouts',
          'delivered',
        ],
        rows: outcomes.map((o) => [
          o.scenario,
          o.target,
          fmtPct(o.inWindow),
          fmtMs(o.run.latency.p50),
          fmtMs(o.run.latency.p99),
          String(o.run.timeouts),
          `${fmtPct(o.deliveredShare)} (${o.delivered})`,
        ]),
      },
      notes: [
        'A hook not answered within 3 s makes Okta send the code through its own providers; if the usual ' +
          'implementation’s send then goes through too, the person gets two codes.',
        'byot answers PENDING at its 2 s budget when the provider is slower, and keeps the send queued.',
      ],
    },
    headlines,
    raw: {
      hooks,
      connections,
      graceMs,
      outcomes: outcomes.map(({ run, ...o }) => ({ ...o, run: strip(run) })),
    },
  };
}

/**
 * Each cell's deliveries at the simulator, counted once every byot cell has all its codes delivered and no count
 * has moved for QUIET_MS (nothing is still on its way), or when the grace period ends: whichever comes first.
 */
async function deliveredCounts(
  system: BenchSystem,
  cells: readonly { target: Outcome['target']; phone: string }[],
  hooks: number,
  graceMs: number,
): Promise<number[]> {
  const deadline = performance.now() + graceMs;
  let last: number[] = [];
  let movedAt = performance.now();
  for (;;) {
    const counts = await Promise.all(
      cells.map(async (cell) => (await system.simMessages({ to: cell.phone, limit: 100_000 })).length),
    );
    const now = performance.now();
    if (counts.some((n, i) => n !== last[i])) {
      last = counts;
      movedAt = now;
    }
    const byotDone = cells.every((cell, i) => cell.target !== 'byot' || (counts[i] ?? 0) >= hooks);
    if ((byotDone && now - movedAt >= QUIET_MS) || now >= deadline) return counts;
    await sleep(Math.min(250, Math.max(0, deadline - now)));
  }
}

/** Answers with status 200 inside the window. autocannon reports latencies per response, not per status, so the
 * non-200 answers (rare here) are subtracted from the fastest side — a conservative count. */
function ok200Within(run: LoadResult, windowMs: number): number {
  const non200 = run.answered - (run.statusCounts['200'] ?? 0);
  const within = run.latenciesMs.filter((ms) => ms <= windowMs).length;
  return Math.max(0, within - non200);
}
