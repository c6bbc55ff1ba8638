/**
 * `npm run bench [-- --quick]`: byot's benchmark suite. Starts the real processes on loopback, drives them with
 * autocannon, prints a table and writes JSON + Markdown to tests/bench/results/. Every figure stands beside a
 * baseline measured in the same run. Bounded: each phase has a fixed length and the whole suite a time limit;
 * Ctrl-C stops the load and every process it started.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { findRedisServerBinary } from '@byot/testkit';
import { type BenchmarkId, parseArgs, USAGE, UsageError } from './args.ts';
import { fraudControls } from './benchmarks/fraud.ts';
import { costGrowth } from './benchmarks/growth.ts';
import { answerLatency } from './benchmarks/latency.ts';
import { memorySection } from './benchmarks/memory.ts';
import { oauthCost } from './benchmarks/oauth.ts';
import { ingressOverhead } from './benchmarks/overhead.ts';
import { ingressProcesses } from './benchmarks/processes.ts';
import { redisTopologies } from './benchmarks/redis-topologies.ts';
import type { BenchmarkResult } from './benchmarks/types.ts';
import { voiceWorker } from './benchmarks/voice.ts';
import { versusSync } from './benchmarks/vs-sync.ts';
import { workerThroughput } from './benchmarks/workers.ts';
import { latencyChartSvg, svgToPng } from './chart.ts';
import { BenchContext } from './harness.ts';
import { type CpuProfile, pidOfProfile, topSelfTime } from './profile.ts';
import { type Report, renderMarkdown, renderText, type Section } from './report.ts';
import { MemorySampler } from './rss.ts';
import { quietRetimerNegativeTimeouts } from './timer-warnings.ts';

const out = (text: string) => process.stdout.write(text);
quietRetimerNegativeTimeouts();

let options: ReturnType<typeof parseArgs>;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  out(USAGE);
  process.exit(0);
}

const outDir = resolve(options.outDir ?? join(import.meta.dirname, '..', 'results'));
const profileDir = join(outDir, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
const sampler = new MemorySampler();
if (!options.source) {
  // Production runs the compiled services (docker/Dockerfile): measure those. Turborepo skips what is built.
  out(
    `building the services (npm run build${options.buildNoCheck ? ', emit only: --noCheck' : ''}) to run them as production does; --source skips this\n`,
  );
  // --build-no-check: turbo hands `--noCheck` to every workspace's build script, whose last command is its tsc.
  const noCheck = options.buildNoCheck ? ['--', '--noCheck'] : [];
  const build = spawnSync('npm', ['run', 'build', '--', '--output-logs=errors-only', ...noCheck], {
    cwd: join(import.meta.dirname, '..', '..', '..'),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) {
    console.error('bench: the build failed; fix it or run with --source');
    process.exit(1);
  }
}
const ctx = new BenchContext({
  quick: options.quick,
  compiled: !options.source,
  sampler,
  // --profile: every hook-ingress and worker writes a CPU profile when it stops (named by pid, see profileSection).
  ...(options.profile
    ? {
        ingressEnv: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` },
        workerEnv: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` },
      }
    : {}),
});

// The whole suite is bounded, whatever happens inside a phase.
const limitMs = (options.quick ? 6 : 25) * 60_000;
const limit = setTimeout(() => {
  console.error(`bench: time limit of ${limitMs / 60_000} min reached; stopping everything`);
  void ctx.abort().finally(() => process.exit(3));
}, limitMs);
limit.unref();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130); // a second Ctrl-C: leave now (children die with us)
    interrupted = true;
    console.error(`bench: ${signal}: stopping the load and every process started…`);
    void ctx.abort().finally(() => process.exit(130));
  });
}

const BENCHMARKS: Record<BenchmarkId, { label: string; run: () => Promise<BenchmarkResult> }> = {
  overhead: { label: '1. ingress overhead', run: () => ingressOverhead(ctx) },
  latency: { label: '2. answer latency', run: () => answerLatency(ctx, options.rate) },
  workers: { label: '3. worker throughput', run: () => workerThroughput(ctx) },
  'vs-sync': { label: '4. against the usual implementation', run: () => versusSync(ctx) },
  growth: { label: '6. cost growth', run: () => costGrowth(ctx) },
  oauth: { label: '7. OAuth 2.0', run: () => oauthCost(ctx) },
  fraud: { label: '8. fraud controls', run: () => fraudControls(ctx) },
  voice: { label: '9. voice-worker', run: () => voiceWorker(ctx) },
  processes: { label: '10. ingress processes', run: () => ingressProcesses(ctx) },
  redis: { label: '11. one Redis vs a Redis Cluster', run: () => redisTopologies(ctx) },
};

const startedAt = new Date();
const results: BenchmarkResult[] = [];
const failures: string[] = [];
sampler.start();
out(`byot benchmarks${options.quick ? ' (quick)' : ''}: ${options.only.join(', ')}\n`);
for (const id of options.only) {
  if (ctx.aborted) break;
  const benchmark = BENCHMARKS[id];
  const began = performance.now();
  out(`▶ ${benchmark.label} … `);
  sampler.phase = benchmark.label;
  try {
    results.push(await benchmark.run());
    out(`done in ${((performance.now() - began) / 1000).toFixed(0)} s\n`);
  } catch (error) {
    out('FAILED\n');
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    failures.push(`${benchmark.label}: ${message}`);
    console.error(message);
    await ctx.stopAll();
  }
}
sampler.stop();
await ctx.stopAll();
if (interrupted) process.exit(130);

const memory = memorySection(sampler.peaks());
// In the issue's order (memory, benchmark 5, is sampled during all the others and reported before 6).
const order = (label: string) => Number.parseInt(label, 10) || 99;
const sections: Section[] = [...results.map((r) => r.section), memory.section].sort(
  (a, b) => order(a.title) - order(b.title),
);
if (options.profile) sections.push(profileSection(profileDir));
const report: Report = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  quick: options.quick,
  machine: machine(),
  headlines: [...results.flatMap((r) => r.headlines), ...memory.headlines].sort(
    (a, b) => order(a.benchmark) - order(b.benchmark),
  ),
  sections,
  raw: {
    options,
    failures,
    ...Object.fromEntries(results.map((r) => [r.section.id, r.raw])),
    memory: memory.raw,
  },
};

mkdirSync(outDir, { recursive: true });
const stamp = report.startedAt.replace(/[:.]/g, '-');
const json = `${JSON.stringify(report, null, 2)}\n`;
const distributions = results
  .flatMap((r) => r.distributions ?? [])
  .sort((a, b) => order(a.title) - order(b.title));
let png: Buffer | undefined;
try {
  png =
    distributions.length > 0
      ? svgToPng(latencyChartSvg(distributions, `byot latency distributions — ${report.startedAt}`))
      : undefined;
} catch (error) {
  // The figures are in the tables either way: a chart that cannot be drawn must not lose the run.
  console.error(`bench: no chart: ${error instanceof Error ? error.message : String(error)}`);
}
for (const name of [`bench-${stamp}`, 'latest']) {
  if (png) writeFileSync(join(outDir, `${name}.png`), png);
  writeFileSync(join(outDir, `${name}.md`), renderMarkdown(report, png ? `${name}.png` : undefined));
  writeFileSync(join(outDir, `${name}.json`), json);
}
out(
  `\n${renderText(report)}\nresults: ${join(outDir, `bench-${stamp}.{md,json${png ? ',png' : ''}}`)} (and latest.*)\n`,
);
if (failures.length > 0) {
  console.error(`bench: ${failures.length} benchmark(s) failed:\n${failures.join('\n')}`);
  process.exit(1);
}
// Timings are figures, not assertions: a missed target does not fail the run.
process.exit(0);

function machine(): Report['machine'] {
  let redis = 'unknown';
  try {
    const bin = findRedisServerBinary();
    if (bin) redis = /v=(\S+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1] ?? redis;
  } catch {
    // the version is a label only
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.versions.node,
    redis,
  };
}

/** Top self-time functions of each hook-ingress and worker, over every profile written during the run. */
function profileSection(dir: string): Section {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    // no profile written (no service started, or killed before exit)
  }
  const serviceOf = (file: string) => {
    const pid = pidOfProfile(file);
    return (pid === undefined ? undefined : ctx.serviceOf(pid)) ?? 'unknown';
  };
  // The hook path first, then the delivery path: one block of rows per profile.
  const rank = (file: string) => (serviceOf(file) === 'hook-ingress' ? 0 : 1);
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const rows = files.flatMap((file) => {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    return topSelfTime(profile, 20).map((t) => [
      serviceOf(file),
      file,
      t.frame,
      `${t.selfMs.toFixed(0)} ms`,
      `${(t.share * 100).toFixed(1)}%`,
    ]);
  });
  return {
    id: 'profile',
    title: 'Profile: hook-ingress and worker self time (node --cpu-prof)',
    setup: `Profiles in ${dir}; open them in Chrome DevTools for the call trees.`,
    table: { columns: ['service', 'profile', 'function', 'self', 'share'], rows },
    notes: files.length === 0 ? ['No profile was written.'] : [],
  };
}
