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
  await burst.burst(data.phones.length, data.concurrency);
  parentPort.postMessage(burst.hooks);
}

/** Sends the burst on a worker thread; resolves with its hooks once every one is answered or given up. */
export function sendBurst(burst: BurstData, signal: AbortSignal): Promise<HookRecord[]> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { burst } });
  return new Promise((resolve, reject) => {
    const abort = () => void worker.terminate();
    signal.addEventListener('abort', abort, { once: true });
    worker.once('message', (hooks: HookRecord[]) => resolve(hooks));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal.removeEventListener('abort', abort);
      if (code !== 0) reject(new Error(`the burst's thread exited with ${code}`));
    });
  });
}
