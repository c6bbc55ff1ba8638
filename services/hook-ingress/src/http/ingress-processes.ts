import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { Logger } from '@byot/observability';

/**
 * INGRESS_PROCESSES: more than one core for the hook port. The first process (the one started) forks
 * INGRESS_PROCESSES − 1 copies of itself; every one listens on the same port with SO_REUSEPORT
 * (`listen({ reusePort: true })`, Linux), so the kernel spreads incoming connections over them, with no proxy
 * process and no handle passing in between (ADR 0022). Each copy is a whole ingress: its own Redis connections,
 * outcome subscription and admin port (ADMIN_PORT + its index, so each one's /metrics is scraped on its own).
 *
 * Lifetimes are tied both ways: SIGTERM to the first process stops all of them, each draining its own in-flight
 * hooks; a copy whose parent is gone (killed outright) shuts itself down; a copy that dies while the first one
 * runs is started again after a pause.
 */
export const PROCESS_INDEX_ENV = 'INGRESS_PROCESS_INDEX';

/** 0 for the process that was started, 1… for the copies it forked. */
export function ingressProcessIndex(env: NodeJS.ProcessEnv = process.env): number {
  const index = Number(env[PROCESS_INDEX_ENV] ?? 0);
  return Number.isInteger(index) && index > 0 ? index : 0;
}

/** Where a copy's admin port is: next to the first one's, or any free port when that one is too (0). */
export function adminPortOf(basePort: number, index: number): number {
  return basePort === 0 ? 0 : basePort + index;
}

export interface SiblingSettings {
  /** INGRESS_PROCESSES. */
  processes: number;
  /** The hook port the first process got (a fixed port even when PORT=0 chose it). */
  port: number;
  /** The first process's configured ADMIN_PORT. */
  adminPort: number;
  log: Logger;
  /** Pause before a copy that died is started again. */
  restartDelayMs?: number;
}

export interface Siblings {
  pids(): number[];
  /** SIGTERM to every copy, resolved once all have exited (or after `timeoutMs`, then SIGKILL). */
  stop(timeoutMs: number): Promise<void>;
}

/** Forks the copies (first process only; a copy calls nothing here but `exitWithParent`). */
export function startSiblings(settings: SiblingSettings): Siblings {
  const children = new Map<number, ChildProcess>();
  let stopping = false;
  const start = (index: number) => {
    const child = fork(process.argv[1] as string, process.argv.slice(2), {
      // The same node flags (heap bounds, --conditions) and environment, on the port the first one holds.
      execArgv: process.execArgv,
      env: {
        ...process.env,
        [PROCESS_INDEX_ENV]: String(index),
        PORT: String(settings.port),
        ADMIN_PORT: String(adminPortOf(settings.adminPort, index)),
      },
      stdio: 'inherit',
    });
    children.set(index, child);
    child.once('exit', (code, signal) => {
      children.delete(index);
      if (stopping) return;
      settings.log.error({ index, code, signal }, 'an ingress process exited; starting it again');
      setTimeout(() => {
        if (!stopping) start(index);
      }, settings.restartDelayMs ?? 1_000).unref();
    });
  };
  for (let index = 1; index < settings.processes; index++) start(index);
  settings.log.info(
    { processes: settings.processes, port: settings.port },
    'ingress processes share the hook port',
  );
  return {
    pids: () => [...children.values()].flatMap((c) => (c.pid === undefined ? [] : [c.pid])),
    async stop(timeoutMs) {
      stopping = true;
      const running = [...children.values()].filter((c) => c.exitCode === null && c.signalCode === null);
      const exited = Promise.all(running.map((c) => once(c, 'exit')));
      for (const child of running) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (late) for (const child of running) child.kill('SIGKILL');
    },
  };
}

/** In a copy: when the first process is gone (its IPC channel closes), shut down as on SIGTERM. */
export function exitWithParent(shutdown: () => unknown): void {
  if (ingressProcessIndex() === 0 || !process.connected) return;
  process.once('disconnect', () => void shutdown());
}
