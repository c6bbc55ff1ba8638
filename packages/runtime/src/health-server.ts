import { once } from 'node:events';
import { createServer, type Server } from 'node:http';

export interface HealthServerSettings {
  port: number;
  host: string;
  /** Readiness: true when the process can do its work (e.g. Redis reachable). */
  ready: () => Promise<boolean>;
  /** Extra GET routes (e.g. /metrics), each answering a body and content type. */
  routes?: Record<string, () => Promise<{ contentType: string; body: string }>>;
}

/** A tiny HTTP server for a worker's /healthz and /readyz (and, later, /metrics): no Express needed. */
export async function startHealthServer(settings: HealthServerSettings): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      if (req.method !== 'GET') {
        res.writeHead(405).end();
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (path === '/readyz') {
        const ready = await settings.ready().catch(() => false);
        res
          .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: ready ? 'ready' : 'not-ready' }));
      } else if (settings.routes?.[path]) {
        const { contentType, body } = await settings.routes[path]();
        res.writeHead(200, { 'content-type': contentType }).end(body);
      } else {
        res.writeHead(404).end();
      }
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  server.listen(settings.port, settings.host);
  await once(server, 'listening');
  return server;
}

export function listeningPort(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}
