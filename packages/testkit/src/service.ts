import type { ExitInfo } from './lifecycle.ts';
import { type ManagedProcess, type ReadyCheck, startProcess } from './processes.ts';

export interface ServiceSpec {
  name: string;
  args: string[];
  env: Record<string, string | undefined>;
  ready: ReadyCheck;
  readyTimeoutMs?: number;
  /** Each output line, of every incarnation, as it arrives. */
  onLine?: (line: string) => void;
}

/**
 * One service of a running system (a worker, an ingress, the simulator) that a drill can kill and bring back:
 * a ManagedProcess whose methods act on the current incarnation, plus start()/restart() with the same
 * environment and ports, so the rest of the system (and a load balancer) finds it where it was.
 */
export class ServiceProcess implements ManagedProcess {
  readonly name: string;
  /** Where its health endpoints are (a worker's HEALTH_PORT; the ingress' or the simulator's own port). */
  readonly healthUrl: string;
  readonly #spec: ServiceSpec;
  #current: ManagedProcess;
  /** Output of earlier incarnations, so a post-mortem sees what happened before a restart. */
  readonly #history: string[] = [];
  readonly #historyLines: string[] = [];
  restarts = 0;

  private constructor(spec: ServiceSpec, healthUrl: string, current: ManagedProcess) {
    this.name = spec.name;
    this.healthUrl = healthUrl;
    this.#spec = spec;
    this.#current = current;
  }

  static async start(spec: ServiceSpec, healthUrl: string): Promise<ServiceProcess> {
    return new ServiceProcess(spec, healthUrl, await ServiceProcess.#launch(spec));
  }

  static #launch(spec: ServiceSpec): Promise<ManagedProcess> {
    return startProcess({
      name: spec.name,
      args: spec.args,
      env: spec.env,
      ready: spec.ready,
      ...(spec.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: spec.readyTimeoutMs }),
      ...(spec.onLine ? { onLine: spec.onLine } : {}),
    });
  }

  get pid(): number {
    return this.#current.pid;
  }

  get exited(): Promise<ExitInfo> {
    return this.#current.exited;
  }

  get exitInfo(): ExitInfo | undefined {
    return this.#current.exitInfo;
  }

  get running(): boolean {
    return this.#current.exitInfo === undefined;
  }

  /** Everything every incarnation printed, oldest first. */
  output(): string {
    return [...this.#history, this.#current.output()].filter((text) => text !== '').join('\n');
  }

  /** Lines of the current incarnation (so waitForLine's fromLine indexes stay meaningful). */
  lines(): string[] {
    return this.#current.lines();
  }

  /** Lines of every incarnation. */
  allLines(): string[] {
    return [...this.#historyLines, ...this.#current.lines()];
  }

  waitForLine(re: RegExp, timeoutMs?: number, fromLine?: number): Promise<string> {
    return this.#current.waitForLine(re, timeoutMs, fromLine);
  }

  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo> {
    return this.#current.stop(signal, timeoutMs);
  }

  kill(signal?: NodeJS.Signals): Promise<ExitInfo> {
    return this.#current.kill(signal);
  }

  /** Starts it again (same environment and ports) after it exited; an error if it still runs. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is still running (pid ${this.pid}): stop it first`);
    this.#history.push(this.#current.output());
    this.#historyLines.push(...this.#current.lines());
    this.#current = await ServiceProcess.#launch(this.#spec);
    this.restarts++;
  }

  /** Stops it gracefully (SIGTERM; SIGKILL after timeoutMs) if it runs, then starts it again. */
  async restart(timeoutMs = 20_000): Promise<void> {
    if (this.running) await this.stop('SIGTERM', timeoutMs);
    await this.start();
  }
}
