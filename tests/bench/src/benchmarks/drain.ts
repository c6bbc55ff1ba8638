import type { ManagedProcess } from '@byot/testkit';
import { CpuMeter, cpuPer } from '../cpu.ts';
import { type BenchSystem, HOOK_PATH, simAccepted, sleep } from '../harness.ts';
import { benchPhone, hookBodies } from '../hook-bodies.ts';
import { runLoad } from '../load.ts';
import { type CountSample, idealThroughput, ratio, steadyRate } from '../stats.ts';
import { commandStats, redisCostPerHook } from './fraud.ts';

export type Channel = 'sms' | 'voice';

export interface DrainRound {
  channel: Channel;
  processes: number;
  jobs: number;
  delivered: number;
  rate: number | undefined;
  ideal: number;
  ratio: number;
  drainSec: number;
  /** Worker CPU (all of this round's worker processes, from ready to drained) ÷ messages delivered, ms. */
  workerCpuPerMessageMs: number;
  /** redis-server's CPU over the same span ÷ messages delivered, ms. */
  redisCpuPerMessageMs: number;
  /**
   * Redis per message over the same span (INFO commandstats): scripts, commands (those run inside scripts
   * included) and round trips = scripts + MULTI/EXEC transactions (each one round trip, pipelined).
   */
  redis: { scripts: number; commands: number; scriptUsec: number; roundTrips: number };
}

/**
 * One drain round: `jobs` hooks queued through the ingress (budget 0, no worker of that channel running), then
 * `processes` workers of the channel started together and timed until the simulator has accepted every message.
 * The rate is the steady-state slope between 10 % and 90 % of completions, so start-up and stragglers are out;
 * CPU is counted from the moment the workers are ready (their start-up is not a per-message cost).
 */
export async function drainRound(
  system: BenchSystem,
  spec: {
    channel: Channel;
    processes: number;
    jobs: number;
    concurrency: number;
    latencyMs: number;
    phoneIndex: number;
    aborted: () => boolean;
  },
): Promise<DrainRound> {
  const prefill = await runLoad({
    url: system.ingressUrl,
    path: HOOK_PATH,
    headers: { authorization: system.hookSecret },
    body: hookBodies({
      phoneNumber: benchPhone(spec.phoneIndex),
      ...(spec.channel === 'voice' ? { deliveryChannel: 'Voice Call' } : {}),
    }).next,
    connections: 16,
    amount: spec.jobs,
  });
  const queued = prefill.statusCounts['200'] ?? 0;
  if (spec.aborted()) throw new Error('benchmark interrupted');
  const before = await simAccepted(system.simUrl);
  // Started together: each round's start-up is outside the 10–90% window anyway.
  const workers: ManagedProcess[] = await Promise.all(
    Array.from({ length: spec.processes }, () =>
      spec.channel === 'sms' ? system.startTrackedWorker() : system.startTrackedVoiceWorker(),
    ),
  );
  const workerCpu = new CpuMeter(workers.map((w) => w.pid));
  const redisCpu = new CpuMeter([system.redis.pid]);
  const statsBefore = await commandStats(system.redis.url);
  const samples: CountSample[] = [];
  const started = performance.now();
  const limitMs = Math.max(30_000, (queued / 50) * 1000);
  let delivered = 0;
  while (delivered < queued && performance.now() - started < limitMs && !spec.aborted()) {
    delivered = (await simAccepted(system.simUrl)) - before;
    samples.push({ t: performance.now(), count: delivered });
    await sleep(100);
  }
  const drainSec = (performance.now() - started) / 1000;
  const workerCpuMs = workerCpu.elapsedMs();
  const redisCpuMs = redisCpu.elapsedMs();
  const statsAfter = await commandStats(system.redis.url);
  await Promise.all(workers.map((worker) => system.stopWorker(worker)));
  const rate = steadyRate(samples, queued);
  const ideal = idealThroughput(spec.concurrency, spec.latencyMs, spec.processes);
  return {
    channel: spec.channel,
    processes: spec.processes,
    jobs: queued,
    delivered,
    rate,
    ideal,
    ratio: ratio(rate ?? Number.NaN, ideal),
    drainSec,
    workerCpuPerMessageMs: cpuPer(workerCpuMs, delivered),
    redisCpuPerMessageMs: cpuPer(redisCpuMs, delivered),
    redis: redisCost(statsBefore, statsAfter, delivered),
  };
}

type CommandStats = Awaited<ReturnType<typeof commandStats>>;

/** redisCostPerHook plus round trips: a worker sends scripts and MULTI/EXEC transactions, little else. */
export function redisCost(before: CommandStats, after: CommandStats, messages: number): DrainRound['redis'] {
  const cost = redisCostPerHook(before, after, messages);
  const execs = (after.get('exec')?.calls ?? 0) - (before.get('exec')?.calls ?? 0);
  return { ...cost, roundTrips: cost.scripts + (messages > 0 ? execs / messages : 0) };
}
