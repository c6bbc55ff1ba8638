import type { Logger } from '@byot/observability';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

export interface ShutdownSettings {
  log: Logger;
  /** Hard deadline for the whole sequence; past it the process exits anyway (an orchestrator would SIGKILL). */
  deadlineMs: number;
  signals?: NodeJS.Signals[];
  exit?: (code: number) => void;
}

/**
 * Runs shutdown steps in the given order, once, on SIGTERM/SIGINT (or when called). The order is each service's
 * to state (stop intake, drain, flush, disconnect), this only guarantees it runs once, logs each step and ends
 * by the deadline.
 */
export function installShutdown(steps: ShutdownStep[], settings: ShutdownSettings): () => Promise<void> {
  const exit = settings.exit ?? ((code: number) => process.exit(code));
  let running: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    if (running) return running;
    running = (async () => {
      settings.log.info({ reason, deadlineMs: settings.deadlineMs }, 'shutting down');
      const deadline = setTimeout(() => {
        settings.log.error({ deadlineMs: settings.deadlineMs }, 'shutdown deadline passed; exiting');
        exit(1);
      }, settings.deadlineMs);
      deadline.unref();
      let failed = false;
      for (const step of steps) {
        const started = performance.now();
        try {
          await step.run();
          settings.log.info(
            { step: step.name, ms: Math.round(performance.now() - started) },
            'shutdown step done',
          );
        } catch (error) {
          failed = true;
          settings.log.error({ step: step.name, err: error }, 'shutdown step failed');
        }
      }
      clearTimeout(deadline);
      settings.log.info('shutdown complete');
      exit(failed ? 1 : 0);
    })();
    return running;
  };

  for (const signal of settings.signals ?? ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => void shutdown(signal));
  }
  return () => shutdown('requested');
}
