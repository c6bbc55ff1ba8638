import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { waitForHttp } from './http.ts';
import { DETACHED, type ExitInfo, onProcessExit, signalProcessGroup } from './lifecycle.ts';

export type { ExitInfo } from './lifecycle.ts';

/** Ready when the URL answers 2xx, or when a complete output line (stdout or stderr) matches. */
export type ReadyCheck = { url: string } | { logLine: RegExp };

export interface StartProcessOptions {
  /** Used in error messages (and as the echo prefix). */
  name: string;
  /** Default: the running node binary (process.execPath). */
  command?: string;
  args: string[];
  cwd?: string;
  /** Merged over process.env; a key set to undefined is removed from the child's environment. */
  env?: Record<string, string | undefined>;
  /** Default true. When false the child gets `env` only. */
  inheritEnv?: boolean;
  ready?: ReadyCheck;
  /** Default 15 s. */
  readyTimeoutMs?: number;
  /** Called with each complete output line as it arrives (a launcher that prints its children's logs). */
  onLine?: (line: string) => void;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Everything captured so far, stdout and stderr interleaved in arrival order. */
  output(): string;
  /** Complete lines captured so far. */
  lines(): string[];
  /**
   * Resolves with the first line matching `re`, looking from line index `fromLine` (default 0, so a line
   * printed before the call counts; pass `lines().length` to wait for a new one). Rejects on timeout or exit.
   */
  waitForLine(re: RegExp, timeoutMs?: number, fromLine?: number): Promise<string>;
  /** Sends `signal` (default SIGTERM), escalates to SIGKILL after timeoutMs (default 10 s), resolves on exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
  /** Sends `signal` (default SIGKILL) and resolves on exit. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  readonly exited: Promise<ExitInfo>;
  /** Set once the process has exited. */
  readonly exitInfo: ExitInfo | undefined;
}

const DEFAULT_READY_TIMEOUT_MS = 15_000;
const FAILURE_TAIL_LINES = 40;
const MAX_LINES = 20_000;
/** After 'exit', how long to wait for the pipes to drain (a grandchild may hold them open). */
const CLOSE_GRACE_MS = 500;

const live = new Set<ManagedChild>();

/**
 * Starts a service as a real OS process for end-to-end tests and waits until it is ready. The child leads
 * its own process group, so stop()/kill() reach anything it spawned, and it is killed if the test process
 * exits first. On readiness failure the process is killed and the error carries its last output lines.
 * Set BYOT_TEST_ECHO=1 to mirror children's output on stderr while debugging.
 */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const child = spawn(options.command ?? process.execPath, options.args, {
    cwd: options.cwd,
    env: childEnv(options.env, options.inheritEnv ?? true),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: DETACHED,
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`${options.name}: could not start: ${error.message}`)));
  });
  const managed = new ManagedChild(options.name, child, options.onLine);
  if (options.ready) await managed.waitUntilReady(options.ready, options.readyTimeoutMs);
  return managed;
}

/** Stops every process started by startProcess() that is still running, in parallel. */
export async function stopAll(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
  await Promise.all([...live].map((child) => child.stop(signal, timeoutMs)));
}

/**
 * V8 settings every service runs with (the production image sets the same through NODE_OPTIONS). V8 sizes its
 * heap from the machine's memory: on a large host it lets the young generation grow to tens of MB and leaves
 * garbage in the old generation until it nears a limit of several GB, so RSS under load climbs far above what is
 * live (measured: ~120 MB of heap "in use" in an sms-worker whose live set is ~45 MB). Bounding both keeps peak RSS
 * near the live set at no measurable throughput cost. A service's live set is bounded by its concurrency (the
 * ingress: the hooks inside their budget; a worker: its in-flight sends) and stays well below the 160 MB cap; a
 * leak past it ends the process (and the orchestrator restarts it) instead of growing into the node's memory.
 * Figures: docs/adr/0011-benchmarks.md. The same flags are in each service's own start scripts and the image's
 * NODE_OPTIONS; tools/test/heap-bounds.test.ts checks every start path carries them.
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=160'] as const;

/**
 * Node arguments that run a service's compiled entry point (`dist/main.js`, after `npm run build`), as the
 * production image does: no TypeScript stripping at load, so memory and start-up are production's.
 */
export function compiledServiceArgs(serviceDir: string, ...args: string[]): string[] {
  return [...SERVICE_NODE_FLAGS, join(serviceDir, 'dist', 'main.js'), ...args];
}

/** Node arguments that run one of our TypeScript entry points from source, as the services run in dev. */
export function nodeServiceArgs(entryFile: string, ...args: string[]): string[] {
  return [...SERVICE_NODE_FLAGS, '--conditions=byot-source', entryFile, ...args];
}

let cachedRoot: string | undefined;

/** The monorepo root: the nearest folder above this file whose package.json declares "workspaces". */
export function repoRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = import.meta.dirname;
  for (;;) {
    if (declaresWorkspaces(join(dir, 'package.json'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json with "workspaces" above ${import.meta.dirname}`);
    dir = parent;
  }
}

function declaresWorkspaces(packageJson: string): boolean {
  try {
    return 'workspaces' in (JSON.parse(readFileSync(packageJson, 'utf8')) as object);
  } catch {
    return false;
  }
}

function childEnv(env: Record<string, string | undefined> = {}, inherit: boolean): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = inherit ? { ...process.env } : {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

type LineListener = (line: string) => void;

class ManagedChild implements ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  #exitInfo: ExitInfo | undefined;
  readonly #lines: string[] = [];
  #dropped = 0;
  readonly #partial = new Map<NodeJS.ReadableStream, string>();
  readonly #listeners = new Set<LineListener>();
  readonly #echo = process.env.BYOT_TEST_ECHO === '1';
  readonly #onLine: LineListener | undefined;

  constructor(name: string, child: ChildProcess, onLine?: LineListener) {
    if (child.pid === undefined) throw new Error(`${name}: spawned without a pid`);
    this.name = name;
    this.pid = child.pid;
    this.#onLine = onLine;
    // Signals go through process.kill, but keep any late 'error' from crashing the test process.
    child.on('error', (error) => this.#pushLine(`[testkit] ${this.name}: ${error.message}`));
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => this.#onData(stream, chunk));
      stream.on('end', () => this.#flushPartial(stream));
    }
    live.add(this);
    const unregister = onProcessExit(() => signalProcessGroup(this.pid, 'SIGKILL'));
    this.exited = new Promise<ExitInfo>((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(grace);
        if (this.#exitInfo) resolve(this.#exitInfo);
      };
      child.once('exit', (code, signal) => {
        this.#exitInfo = { code, signal };
        live.delete(this);
        unregister();
        // The leader is gone; anything it left behind in its group would now be an orphan.
        signalProcessGroup(this.pid, 'SIGKILL');
        grace = setTimeout(finish, CLOSE_GRACE_MS);
      });
      // 'close' comes after 'exit' once stdout/stderr are drained, so output() is complete by then.
      child.once('close', finish);
    });
  }

  get exitInfo(): ExitInfo | undefined {
    return this.#exitInfo;
  }

  output(): string {
    const partials = [...this.#partial.values()].filter((text) => text !== '');
    const head = this.#dropped > 0 ? [`[… ${this.#dropped} earlier lines dropped]`] : [];
    return [...head, ...this.#lines, ...partials].join('\n');
  }

  lines(): string[] {
    return [...this.#lines];
  }

  waitForLine(re: RegExp, timeoutMs = 10_000, fromLine = 0): Promise<string> {
    // A /g or /y regex keeps lastIndex between test() calls and would skip matches.
    const pattern = new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
    const seen = this.#lines.slice(fromLine).find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#exitInfo) return Promise.reject(this.#failure(`exited before printing a line matching ${re}`));
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      const listener: LineListener = (line) => {
        if (!pattern.test(line)) return;
        cleanup();
        resolve(line);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(this.#failure(`no line matching ${re} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#listeners.add(listener);
      void this.exited.then(() => {
        if (!this.#listeners.has(listener)) return;
        cleanup();
        reject(this.#failure(`exited before printing a line matching ${re}`));
      });
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<ExitInfo> {
    if (this.#exitInfo) return this.exited;
    signalProcessGroup(this.pid, signal);
    const timer = setTimeout(() => signalProcessGroup(this.pid, 'SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    if (!this.#exitInfo) signalProcessGroup(this.pid, signal);
    return this.exited;
  }

  /** Resolves when `ready` holds; otherwise kills the process and throws with its recent output. */
  async waitUntilReady(ready: ReadyCheck, timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<void> {
    try {
      if ('logLine' in ready) {
        await this.waitForLine(ready.logLine, timeoutMs);
        return;
      }
      const abort = new AbortController();
      const exitedFirst = this.exited.then(() => {
        throw this.#failure(`exited before ${ready.url} answered`);
      });
      try {
        await Promise.race([waitForHttp(ready.url, timeoutMs, { signal: abort.signal }), exitedFirst]);
      } finally {
        abort.abort();
        exitedFirst.catch(() => {}); // the race already reported it, or it lost
      }
    } catch (error) {
      await this.kill('SIGKILL');
      if (error instanceof ProcessFailure) throw error;
      throw this.#failure(`not ready: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #onData(stream: NodeJS.ReadableStream, chunk: string): void {
    if (this.#echo) process.stderr.write(chunk.replace(/^(?=.)/gm, `[${this.name}] `));
    const parts = ((this.#partial.get(stream) ?? '') + chunk).split(/\r?\n/);
    this.#partial.set(stream, parts.pop() ?? '');
    for (const line of parts) this.#pushLine(line);
  }

  #flushPartial(stream: NodeJS.ReadableStream): void {
    const rest = this.#partial.get(stream);
    this.#partial.delete(stream);
    if (rest) this.#pushLine(rest);
  }

  #pushLine(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > MAX_LINES) {
      this.#lines.shift();
      this.#dropped++;
    }
    this.#onLine?.(line);
    for (const listener of [...this.#listeners]) listener(line);
  }

  #failure(what: string): ProcessFailure {
    const exit = this.#exitInfo ? ` (exit code ${this.#exitInfo.code}, signal ${this.#exitInfo.signal})` : '';
    const tail = this.output().split('\n').slice(-FAILURE_TAIL_LINES).join('\n');
    return new ProcessFailure(
      `${this.name} (pid ${this.pid}) ${what}${exit}. Last output:\n${tail || '(no output)'}`,
    );
  }
}

class ProcessFailure extends Error {
  override name = 'ProcessFailure';
}
