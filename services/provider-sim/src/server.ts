import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Simulator } from './app.ts';

export interface ListenOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host: string;
  /** How long close() lets in-flight requests finish before cutting their connections. Default 2000 ms. */
  closeGraceMs?: number;
}

export interface RunningSimulator {
  server: Server;
  /** Base URL, e.g. http://127.0.0.1:4010: the replacement for https://api.twilio.com. */
  url: string;
  /** Stops accepting connections, drops held requests, waits for the rest. Safe to call twice. */
  close(): Promise<void>;
}

/** Serves a simulator over HTTP. Rejects if the port cannot be bound (e.g. EADDRINUSE). */
export async function listenSimulator(sim: Simulator, options: ListenOptions): Promise<RunningSimulator> {
  const server = createServer(sim.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      sim.shutdown();
      server.close(() => resolve());
      // Keep-alive connections with no request in flight would otherwise hold close() open.
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 2_000).unref();
    });
    return closing;
  };

  return { server, url: `http://${host}:${port}`, close };
}
