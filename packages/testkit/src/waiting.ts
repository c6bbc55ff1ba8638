import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Default 5 s. */
  timeoutMs?: number;
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number;
}

/**
 * Retries an async assertion until it stops throwing, then returns its value. On timeout rethrows the last
 * error as is, so the test report shows the real assertion diff rather than a generic "timed out".
 * An attempt still running at the deadline is not awaited further: it fails with a timeout error that
 * carries the previous failure as its cause.
 */
export async function eventually<T>(fn: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const outcome = await attempt(fn, deadline - performance.now(), Math.min(timeoutMs, 1_000));
    if (outcome.ok) return outcome.value;
    if (outcome.hung) {
      throw new Error(`eventually: an attempt was still running after ${timeoutMs} ms`, { cause: lastError });
    }
    lastError = outcome.error;
    const remaining = deadline - performance.now();
    if (remaining <= 0) throw lastError;
    await delay(Math.min(intervalMs, remaining));
  }
}

type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; hung: false; error: unknown }
  | { ok: false; hung: true };

async function attempt<T>(
  fn: () => T | Promise<T>,
  remainingMs: number,
  graceMs: number,
): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Outcome<T>>((resolve) => {
    // Give an attempt started near the deadline a moment to finish instead of cutting it off at once.
    timer = setTimeout(() => resolve({ ok: false, hung: true }), Math.max(remainingMs, 0) + graceMs);
  });
  const run = (async (): Promise<Outcome<T>> => {
    try {
      return { ok: true, value: await fn() };
    } catch (error) {
      return { ok: false, hung: false, error };
    }
  })();
  try {
    return await Promise.race([run, hung]);
  } finally {
    clearTimeout(timer);
  }
}
