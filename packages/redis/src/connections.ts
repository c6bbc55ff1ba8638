import { Redis, type RedisOptions } from 'ioredis';

/**
 * One factory for every Redis connection, because producers and workers need opposite semantics:
 * - producer (the hook path): fail fast. No offline queue, one retry, a short command timeout, so that when Redis
 *   is down the ingress answers Okta in milliseconds and Okta's own providers take over.
 * - worker (BullMQ workers, blocking commands): wait forever. `maxRetriesPerRequest: null`, as BullMQ requires.
 * - subscriber: pub/sub only; reconnects on its own and re-subscribes.
 */
export type ConnectionRole = 'producer' | 'worker' | 'subscriber';

export interface ConnectionSettings {
  url: string;
  role: ConnectionRole;
  /** Shown in CLIENT LIST, so operators can tell connections apart. */
  name: string;
  /** Producer command timeout. */
  commandTimeoutMs?: number;
}

export function redisOptionsFor(role: ConnectionRole, name: string, commandTimeoutMs = 500): RedisOptions {
  const common: RedisOptions = {
    connectionName: name,
    // Reconnect quickly but without hammering a restarting server.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  };
  switch (role) {
    case 'producer':
      return {
        ...common,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: commandTimeoutMs,
        connectTimeout: 2000,
      };
    case 'worker':
      return { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true };
    case 'subscriber':
      return { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true };
  }
}

export function createRedisConnection(settings: ConnectionSettings): Redis {
  return new Redis(settings.url, redisOptionsFor(settings.role, settings.name, settings.commandTimeoutMs));
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function waitUntilReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** Closes gracefully, falling back to a hard disconnect if the server does not answer (or was never reached). */
export async function closeRedis(redis: Redis, timeoutMs = 2000): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    // QUIT would wait in the offline queue for a connection that may never come.
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.quit().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if ((redis.status as string) !== 'end') redis.disconnect();
}
