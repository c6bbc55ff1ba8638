import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OktaSim } from './app.ts';

export interface RunningOktaSim {
  server: Server;
  /** e.g. http://127.0.0.1:4020 */
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0: a free port) and tells the simulator its URL when none was configured. */
export async function listenOktaSim(
  sim: OktaSim,
  options: { port: number; host: string; closeGraceMs?: number },
): Promise<RunningOktaSim> {
  const server = createServer(sim.app);
  // A hook call that hangs must not keep Okta's side waiting past its own deadlines; these bound slow clients.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  sim.setPublicUrl(url);
  let closing: Promise<void> | undefined;
  return {
    server,
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        sim.shutdown();
        const timer = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 2_000);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
