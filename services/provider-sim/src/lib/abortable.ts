import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waits `ms` unless `signal` aborts first. Resolves with what happened instead of rejecting, because for the
 * simulator an abort (server shutting down) is an expected path, not an error.
 */
export async function sleep(ms: number, signal: AbortSignal): Promise<'elapsed' | 'aborted'> {
  if (signal.aborted) return 'aborted';
  if (ms <= 0) return 'elapsed';
  try {
    await delay(ms, undefined, { signal });
    return 'elapsed';
  } catch (error) {
    if (signal.aborted) return 'aborted';
    throw error;
  }
}

/**
 * Holds a request open without answering until the client gives up (closes its socket) or `signal` aborts.
 * On abort the socket is destroyed: a hung request must never keep `server.close()` waiting.
 */
export function holdOpen(res: ServerResponse, signal: AbortSignal): Promise<'client-closed' | 'aborted'> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve('client-closed');
    };
    const onAbort = (): void => {
      res.off('close', onClose);
      res.socket?.destroy();
      resolve('aborted');
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    res.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** True when answering is pointless: the client hung up (e.g. its timeout fired during injected latency). */
export function clientGone(res: ServerResponse): boolean {
  return res.destroyed || res.socket === null || res.socket.destroyed;
}
