import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * Time limits of the hook port. Okta abandons a call after 3 s, so a client that takes longer than that to send
 * its request is not Okta, or is already too late: cut it off within seconds, before slow clients can hold
 * enough sockets to starve Okta's calls. Node checks these limits every `connectionsCheckingInterval` (30 s by
 * default: a stalled request then lived ≈ 39 s).
 */
export const HOOK_SERVER_LIMITS = {
  /** Until the request headers are complete. */
  headersTimeoutMs: 2_500,
  /** Until the whole request (headers and body) is received; the answer's own time is the budget's business. */
  requestTimeoutMs: 5_000,
  /** How often Node enforces the two above. */
  connectionsCheckingIntervalMs: 500,
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeoutMs: 5_000,
} as const;

export interface BoundedServerOptions {
  /** Open connections held at most (HTTP_MAX_CONNECTIONS); Node drops the ones beyond. */
  maxConnections: number;
  limits?: Partial<typeof HOOK_SERVER_LIMITS>;
}

/** An HTTP server with the limits above: hook-ingress's hook port and admin port. */
export function createBoundedServer(listener: RequestListener, options: BoundedServerOptions): Server {
  const limits = { ...HOOK_SERVER_LIMITS, ...options.limits };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
    },
    listener,
  );
  server.maxConnections = options.maxConnections;
  return server;
}
