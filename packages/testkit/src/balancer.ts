import { once } from 'node:events';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface Backend {
  host: string;
  port: number;
}

export interface LoadBalancer {
  readonly url: string;
  readonly port: number;
  /** Requests forwarded per backend ("host:port" → count), for drills that check the spread. */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

export interface LoadBalancerOptions {
  backends: Backend[];
  /** Default: a free loopback port. */
  port?: number;
  host?: string;
  /**
   * Run on a thread of its own. A drill's load generator and judge share the main thread: a burst of thousands
   * of hooks through a balancer there delays every other request before it even reaches an ingress, which would
   * measure the harness rather than the system. `counts()` is then a snapshot at most 250 ms old.
   */
  ownThread?: boolean;
}

/**
 * A small round-robin HTTP load balancer on loopback, standing in for the one production puts in front of several
 * hook-ingress instances. A backend that refuses the connection (stopped, restarting) is skipped and the request
 * goes to the next one, as a load balancer with health checks would do. A request whose reused keep-alive socket
 * was reset before any answer is also sent again elsewhere: Okta's hook and the providers' callbacks are
 * idempotent (the hook by eventId), so a second try cannot send a code twice.
 */
export async function startLoadBalancer(options: LoadBalancerOptions): Promise<LoadBalancer> {
  if (options.ownThread) return startOnOwnThread(options);
  if (options.backends.length === 0) throw new Error('load balancer: at least one backend is required');
  const backends = options.backends.map((b) => ({ ...b, key: `${b.host}:${b.port}` }));
  const counts: Record<string, number> = Object.fromEntries(backends.map((b) => [b.key, 0]));
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, tried: number): void => {
    const backend = backends[next++ % backends.length] as (typeof backends)[number];
    const upstream = request(
      {
        host: backend.host,
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        counts[backend.key] = (counts[backend.key] ?? 0) + 1;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      const refused = error.code === 'ECONNREFUSED';
      const staleSocket = upstream.reusedSocket && error.code === 'ECONNRESET';
      if (!res.headersSent && (refused || staleSocket) && tried + 1 < backends.length * 2) {
        forward(req, res, body, tried + 1);
        return;
      }
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'bad_gateway', message: `no backend answered (${error.code})` }));
      } else res.destroy();
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), 0));
    req.on('error', () => res.destroy());
  });
  // Okta's side closes after 3 s anyway; keep idle client sockets shorter than the backends' keep-alive.
  server.keepAliveTimeout = 4_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    counts: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

type ThreadMessage =
  | { kind: 'ready'; url: string; port: number }
  | { kind: 'counts'; counts: Record<string, number> }
  | { kind: 'failed'; message: string };

async function startOnOwnThread(options: LoadBalancerOptions): Promise<LoadBalancer> {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { byotBalancer: { ...options, ownThread: false } },
  });
  let latest: Record<string, number> = {};
  const ready = new Promise<{ url: string; port: number }>((resolve, reject) => {
    worker.on('message', (message: ThreadMessage) => {
      if (message.kind === 'counts') latest = message.counts;
      else if (message.kind === 'ready') resolve(message);
      else reject(new Error(`load balancer thread: ${message.message}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load balancer thread exited with ${code}`)));
  });
  const { url, port } = await ready;
  return {
    url,
    port,
    counts: () => ({ ...latest }),
    close: async () => {
      const exited = once(worker, 'exit');
      worker.postMessage('close');
      await exited;
    },
  };
}

// The balancer's own thread (startOnOwnThread): serve, report counts, close when asked.
if (!isMainThread && parentPort && workerData?.byotBalancer) {
  const port = parentPort;
  try {
    const balancer = await startLoadBalancer(workerData.byotBalancer as LoadBalancerOptions);
    const report = () =>
      port.postMessage({ kind: 'counts', counts: balancer.counts() } satisfies ThreadMessage);
    const timer = setInterval(report, 250);
    port.postMessage({ kind: 'ready', url: balancer.url, port: balancer.port } satisfies ThreadMessage);
    port.on('message', async (message) => {
      if (message !== 'close') return;
      clearInterval(timer);
      await balancer.close();
      report();
      port.close();
    });
  } catch (error) {
    port.postMessage({
      kind: 'failed',
      message: error instanceof Error ? error.message : String(error),
    } satisfies ThreadMessage);
    port.close();
  }
}
