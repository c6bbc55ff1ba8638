/**
 * npm run drill -- [--quick] [--scenario <name>]…
 *
 * Starts the real system as separate processes on loopback (Redis with AOF, the provider simulator, two hook-ingress
 * instances behind a load balancer, two sms-workers, a voice-worker; Twilio primary, Vonage backup), runs each drill
 * against it, prints a table and writes JSON and Markdown reports. Exits 1 when a drill misses a threshold. Every
 * process it started is stopped at the end, on failure and on Ctrl-C.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type RunningSystem, startSystem } from '@byot/testkit';
import { parseDrillArgs, USAGE, UsageError } from './args.ts';
import { drillFraudEnv } from './fraud.ts';
import { PhoneBook } from './load.ts';
import { type DrillResult, type RunReport, renderJson, renderMarkdown, renderTable } from './report.ts';
import { DEFAULT_EXPIRES_IN_MS, runDrill } from './runner.ts';
import { ALL_SCENARIOS, type Mode, SCENARIO_NAMES } from './scenarios.ts';

const DRILLS_DIR = join(import.meta.dirname, '..');
const VOICE_EVERY = 5; // 80 % SMS, 20 % voice
const BUDGET_MS = 2_000;
const SMS_WORKERS = 2;
const VOICE_WORKERS = 1;
const INGRESSES = 2;
const TENANTS = ['acme', 'globex'];

const log = (line: string): void => {
  process.stderr.write(`[drill ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

let args: ReturnType<typeof parseDrillArgs>;
try {
  args = parseDrillArgs(process.argv.slice(2), SCENARIO_NAMES, join(DRILLS_DIR, 'results'));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(
    `${USAGE}\n\nDrills:\n${ALL_SCENARIOS.map((s) => `  ${s.name.padEnd(24)} ${s.title}`).join('\n')}\n`,
  );
  process.exit(0);
}

const mode: Mode = { quick: args.quick, breakerCooldownMs: args.quick ? 3_000 : 15_000 };
const rate = args.rate ?? (args.quick ? 5 : 15);
const selected =
  args.scenarios.length === 0 ? ALL_SCENARIOS : ALL_SCENARIOS.filter((s) => args.scenarios.includes(s.name));

// Ctrl-C / SIGTERM: stop the drill where it is; the finally below stops every process. A second signal stops harder.
const abort = new AbortController();
let signals = 0;
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    signals++;
    log(`${name}: stopping${signals > 1 ? ' now' : ' (again to force)'}`);
    if (signals > 1) process.exit(130);
    abort.abort(new Error(`interrupted by ${name}`));
  });
}

const startedAt = new Date();
let system: RunningSystem | undefined;
const results: DrillResult[] = [];
let exitCode = 0;
try {
  const phones = new PhoneBook();
  // One system per Redis topology the selected drills need, in the order they first appear.
  const topologies = [...new Set(selected.map((s) => s.redisTopology ?? 'single'))];
  for (const topology of topologies) {
    abort.signal.throwIfAborted();
    const redisLabel =
      topology === 'single'
        ? 'Redis with AOF'
        : topology === 'sentinel'
          ? 'Redis Sentinel (master, replica, 3 sentinels)'
          : 'Redis Cluster (3 masters, a replica each)';
    log(
      `starting the system (tenants ${TENANTS.join(', ')}, ${INGRESSES} ingresses, ${SMS_WORKERS} sms-workers, ${VOICE_WORKERS} voice-worker, ${redisLabel}, simulator)`,
    );
    system = await startSystem({
      ingresses: INGRESSES,
      // Off the main thread, where the steady load is timed and the noisy-neighbour burst would queue behind it.
      balancerThread: true,
      smsWorkers: SMS_WORKERS,
      voiceWorkers: VOICE_WORKERS,
      failover: true,
      budgetMs: BUDGET_MS,
      logLevel: 'info',
      redisTopology: topology,
      // A realistic provider round trip, so "in flight" means something.
      simLatencyMs: 100,
      simEnv: { SIM_MAX_RECORDS: '200000' },
      // Two customer orgs on their own Twilio subaccounts (issue 13): every drill's traffic is split over them.
      tenants: { ids: TENANTS },
      // The fraud controls as production runs them, with an explicit country list and the anomaly detector on a
      // scaled clock (fraud.ts): every drill runs with them on, the sms-pumping drills attack them.
      ingressEnv: drillFraudEnv(args.quick),
      workerEnv: {
        // Production's breaker threshold; quick mode shortens only the cooldown, so recovery fits in its phases.
        BREAKER_FAILURE_THRESHOLD: '5',
        BREAKER_COOLDOWN_MS: String(mode.breakerCooldownMs),
      },
    });
    for (const scenario of selected.filter((s) => (s.redisTopology ?? 'single') === topology)) {
      abort.signal.throwIfAborted();
      const result = await runDrill(system, scenario, {
        mode,
        rate,
        voiceEvery: VOICE_EVERY,
        phones,
        signal: abort.signal,
        log,
      });
      results.push(result);
      log(`${scenario.name}: ${result.pass ? 'PASS' : 'FAIL'}`);
    }
    if (topologies.length > 1) {
      log('stopping every process');
      await system.stop();
      system = undefined;
    }
  }
} catch (error) {
  exitCode = abort.signal.aborted ? 130 : 1;
  log(`drills stopped: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  if (system) {
    log('stopping every process');
    await system.stop();
  }
}

if (results.length > 0) {
  const report: RunReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    load: { rate, voiceShare: 1 / VOICE_EVERY, expiresInMs: DEFAULT_EXPIRES_IN_MS },
    system: {
      ingresses: INGRESSES,
      smsWorkers: SMS_WORKERS,
      voiceWorkers: VOICE_WORKERS,
      providers: 'twilio,vonage (SMS and voice)',
      tenants: TENANTS,
      breakerCooldownMs: mode.breakerCooldownMs,
      budgetMs: BUDGET_MS,
    },
    machine: { cpus: availableParallelism(), node: process.versions.node, platform: process.platform },
    scenarios: results,
    pass: exitCode === 0 && results.length === selected.length && results.every((r) => r.pass),
  };
  mkdirSync(args.outDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  for (const [name, text] of [
    [`drill-${report.mode}-${stamp}.json`, renderJson(report)],
    [`drill-${report.mode}-${stamp}.md`, renderMarkdown(report)],
    [`latest-${report.mode}.json`, renderJson(report)],
    [`latest-${report.mode}.md`, renderMarkdown(report)],
  ] as const) {
    writeFileSync(join(args.outDir, name), text);
  }
  process.stdout.write(
    `\n${renderTable(report)}\n\nReports: ${join(args.outDir, `latest-${report.mode}.{json,md}`)}\n`,
  );
  if (!report.pass && exitCode === 0) exitCode = 1;
} else if (exitCode === 0) {
  exitCode = 1;
}
process.exit(exitCode);
