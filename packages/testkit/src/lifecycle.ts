/**
 * Process-exit bookkeeping shared by everything in the kit that starts an OS process.
 *
 * Children we spawn (redis-server, services under test) must never outlive the test process, even when a
 * test forgets to stop them or the run is interrupted with Ctrl-C. Cleanups registered here run
 * synchronously on 'exit' and on SIGINT/SIGTERM/SIGHUP, so they can only use synchronous calls
 * (process.kill, fs.rmSync). A parent killed with SIGKILL cannot clean up: nothing can, short of a watchdog.
 */

/** How a child process ended: an exit code, or the signal that killed it. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
let installed = false;
/** Set by a launcher that stops its children itself on a signal (npm start): then only 'exit' kills them. */
let signalsHandedOver = false;

/**
 * For a long-lived launcher (npm start) that answers SIGINT/SIGTERM by stopping its children gracefully, in order:
 * from now on a signal no longer SIGKILLs them at once (which took Redis away from workers still draining); the
 * 'exit' cleanup still kills whatever the launcher left behind.
 */
export function handOverSignals(): void {
  install();
  signalsHandedOver = true;
}

/** Registers a synchronous cleanup; returns a function that unregisters it (call it after a normal stop). */
export function onProcessExit(cleanup: Cleanup): () => void {
  install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

function runAll(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort: one failing cleanup must not keep the others from running.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      if (signalsHandedOver) return;
      runAll();
      // Listening to a signal disables Node's default "terminate". When nobody else listens (e.g. the test
      // runner), restore that default by re-raising, so an interrupted run still stops.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

/**
 * Sends a signal to a child we started detached, i.e. to its whole process group, so grandchildren
 * (a shell's command, a forked worker, redis' background rewrite) go too. Returns false if it was gone.
 */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Spawn option that makes the child a process-group leader (POSIX), so signalProcessGroup reaches its tree. */
export const DETACHED = process.platform !== 'win32';
