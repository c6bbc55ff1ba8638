/**
 * A burst sent from a thread of its own (noisy-neighbour): 2 000 hooks in flight 40 at a time keep an event loop
 * busy, and on the drill's own loop they would delay the quiet tenant's hooks before they even left — measuring
 * the harness, not the system. Here the burst has its own loop; the main thread keeps the steady load's timing.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { LoadGenerator, type LoadTarget } from './load.ts';
import type { HookRecord } from './types.ts';

interface BurstData {
  target: LoadTarget;
  /** Phone numbers reserved from the run's phone book (unique within the run). */
  phones: string[];
  concurrency: number;
  expiresInMs: number;
}

if (parentPort && workerData?.burst) {
  const port = parentPort;
  const data = workerData.burst as BurstData;
  let next = 0;
  const burst = new LoadGenerator(data.target.endpoints, {
    rate: 1,
    voiceEvery: Number.MAX_SAFE_INTEGER,
    expiresInMs: data.expiresInMs,
    phones: { next: () => data.phones[next++] as string },
    targets: [data.target],
  });
  burst.phase = 'fault';
  // Loaded and ready: the burst goes when the fault starts ('go'), not while this thread is still starting.
  port.once('message', async () => {
    await burst.burst(data.phones.length, data.concurrency);
    port.postMessage(burst.hooks);
  });
  port.postMessage('ready');
}

/** A burst on its own thread, started ahead (its modules loaded) and sent on `go()`. */
export interface PreparedBurst {
  /** Sends the burst; resolves with its hooks once every one is answered or given up. */
  go(): Promise<HookRecord[]>;
  /** Ends the thread if the burst never went (an interrupted drill). */
  cancel(): void;
}

/**
 * Starts the burst's thread now and waits until it is ready. Starting a thread loads and compiles its modules
 * (hundreds of ms of CPU): done at the fault, that work landed on the quiet tenant's first codes beside the burst.
 */
export async function prepareBurst(burst: BurstData, signal: AbortSignal): Promise<PreparedBurst> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { burst } });
  const abort = () => void worker.terminate();
  signal.addEventListener('abort', abort, { once: true });
  const exited = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal.removeEventListener('abort', abort);
      reject(new Error(`the burst's thread exited with ${code}`));
    });
  });
  exited.catch(() => {});
  await Promise.race([new Promise<void>((resolve) => worker.once('message', () => resolve())), exited]);
  return {
    go: () => {
      const sent = new Promise<HookRecord[]>((resolve) =>
        worker.once('message', (hooks: HookRecord[]) => {
          void worker.terminate();
          resolve(hooks);
        }),
      );
      worker.postMessage('go');
      return Promise.race([sent, exited]);
    },
    cancel: () => void worker.terminate(),
  };
}
