import { join } from 'node:path';
import {
  getFreePort,
  type ManagedProcess,
  nodeServiceArgs,
  type RunningSystem,
  type SystemOptions,
  startProcess,
  startSystem,
} from '@byot/testkit';
import { FRAUD_OFF } from './fraud-env.ts';
import { stopActiveLoad } from './load.ts';
import type { MemorySampler } from './rss.ts';

/**
 * What every benchmark shares: the memory sampler, and the list of everything started so that Ctrl-C, a failure
 * or the suite's time limit stops it all. Benchmarks start systems and baselines only through here.
 */
export class BenchContext {
  readonly quick: boolean;
  readonly #compiled: boolean;
  readonly sampler: MemorySampler;
  /** Extra environment for every hook-ingress (e.g. NODE_OPTIONS=--cpu-prof when profiling). */
  readonly ingressEnv: Record<string, string>;
  /** Extra environment for every worker (sms and voice), the same way. */
  readonly workerEnv: Record<string, string>;
  /** Which service each process started was (pid → "hook-ingress", "sms-worker", …): names the profiles. */
  readonly #services = new Map<number, string>();
  readonly #cleanups = new Set<() => Promise<void>>();
  #aborted = false;

  constructor(options: {
    quick: boolean;
    sampler: MemorySampler;
    ingressEnv?: Record<string, string>;
    workerEnv?: Record<string, string>;
    /** Run the services' compiled dist/ (as production does) rather than their source. */
    compiled?: boolean;
  }) {
    this.quick = options.quick;
    this.#compiled = options.compiled ?? false;
    this.sampler = options.sampler;
    this.ingressEnv = options.ingressEnv ?? {};
    this.workerEnv = options.workerEnv ?? {};
  }

  /** The kind of service a process started here was ("sms-worker"), by pid; undefined if not one of ours. */
  serviceOf(pid: number): string | undefined {
    return this.#services.get(pid);
  }

  #track(name: string, pid: number | undefined): void {
    if (pid !== undefined) this.#services.set(pid, name);
    this.sampler.track(name, pid);
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Throws if the suite was interrupted, so a benchmark stops between phases. */
  checkpoint(): void {
    if (this.#aborted) throw new Error('benchmark interrupted');
  }

  /**
   * byot as real processes. Services log at info, as in production (the per-hook log line is part of the cost),
   * and status callbacks are off: receipts are a separate flow the hook never waits for. The fraud controls are
   * off unless a benchmark turns them on (see fraud-env.ts).
   */
  async startSystem(options: SystemOptions): Promise<BenchSystem> {
    this.checkpoint();
    const system = await startSystem({
      logLevel: 'info',
      receipts: false,
      compiled: this.#compiled,
      ...options,
      ingressEnv: { ...FRAUD_OFF, ...this.ingressEnv, ...options.ingressEnv },
      workerEnv: { ...this.workerEnv, ...options.workerEnv },
    });
    const track = () => {
      this.#track('redis-server', system.redis.pid);
      for (const service of system.all()) this.#track(serviceKind(service.name), service.pid);
    };
    track();
    const stop = async () => {
      await Promise.all(
        [system.redis.pid, ...system.all().map((s) => s.pid)].map((pid) => this.sampler.untrack(pid)),
      );
      await system.stop();
    };
    this.#cleanups.add(stop);
    return Object.assign(system, {
      startTrackedWorker: async (env?: Record<string, string>) => {
        const worker = await system.startWorker({ ...this.workerEnv, ...env });
        this.#track(serviceKind(worker.name), worker.pid);
        return worker;
      },
      startTrackedVoiceWorker: async (env?: Record<string, string>) => {
        const worker = await system.startVoiceWorker({ ...this.workerEnv, ...env });
        this.#track(serviceKind(worker.name), worker.pid);
        return worker;
      },
      stopWorker: async (worker: ManagedProcess) => {
        await this.sampler.untrack(worker.pid);
        await worker.stop('SIGTERM', 15_000);
      },
      shutdown: async () => {
        this.#cleanups.delete(stop);
        await stop();
      },
    });
  }

  /** A baseline server (tests/bench/src/baselines/<file>) as its own process on a free loopback port. */
  async startBaseline(file: string, env: Record<string, string> = {}): Promise<Baseline> {
    this.checkpoint();
    const port = await getFreePort();
    const name = file.replace(/\.ts$/, '');
    const url = `http://127.0.0.1:${port}`;
    const child = await startProcess({
      name,
      args: nodeServiceArgs(join(import.meta.dirname, 'baselines', file)),
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
      ready: { url: `${url}/healthz` },
      readyTimeoutMs: 20_000,
    });
    this.sampler.track(`${name} (baseline)`, child.pid);
    const stop = async () => {
      await this.sampler.untrack(child.pid);
      await child.stop('SIGTERM', 5_000);
    };
    this.#cleanups.add(stop);
    return {
      url,
      process: child,
      stop: async () => {
        this.#cleanups.delete(stop);
        await stop();
      },
    };
  }

  /** Ctrl-C or the time limit: stop the load generator, then everything still running. Never throws. */
  async abort(): Promise<void> {
    this.#aborted = true;
    stopActiveLoad();
    await this.stopAll();
  }

  async stopAll(): Promise<void> {
    const cleanups = [...this.#cleanups];
    this.#cleanups.clear();
    await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
  }
}

export type BenchSystem = RunningSystem & {
  startTrackedWorker(env?: Record<string, string>): Promise<ManagedProcess>;
  startTrackedVoiceWorker(env?: Record<string, string>): Promise<ManagedProcess>;
  stopWorker(worker: ManagedProcess): Promise<void>;
  shutdown(): Promise<void>;
};

export interface Baseline {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** "sms-worker-3" → "sms-worker", "hook-ingress-2" → "hook-ingress": memory is reported per kind of service. */
export function serviceKind(name: string): string {
  return name.replace(/-\d+$/, '');
}

export const HOOK_PATH = '/v1/okta/telephony';

/** Accepted messages the simulator has recorded since it started (cumulative, unaffected by eviction). */
export async function simAccepted(simUrl: string): Promise<number> {
  const response = await fetch(`${simUrl}/sim/stats`);
  if (!response.ok) throw new Error(`sim stats: HTTP ${response.status}`);
  return ((await response.json()) as { totals: { accepted: number } }).totals.accepted;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
