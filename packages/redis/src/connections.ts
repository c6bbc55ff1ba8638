import type { ConnectionOptions } from 'node:tls';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { coalesceWrites } from './coalesce-writes.ts';
import type { RedisAuth, RedisTarget, RedisTls } from './target.ts';

/**
 * One factory for every Redis connection, because producers and workers need opposite semantics:
 * - producer (the hook path): fail fast. No offline queue, one retry, a short command timeout, so that when Redis
 *   is down the ingress answers Okta in milliseconds and Okta's own providers take over.
 * - worker (BullMQ workers, blocking commands): wait forever. `maxRetriesPerRequest: null`, as BullMQ requires.
 * - subscriber: pub/sub only; reconnects on its own and re-subscribes.
 */
export type ConnectionRole = 'producer' | 'worker' | 'subscriber';

export interface ConnectionSettings {
  /** Where to connect (redisTargetFromConfig). */
  target?: RedisTarget;
  /** Shorthand for a standalone target without separate credentials (tests, tools). */
  url?: string;
  role: ConnectionRole;
  /** Shown in CLIENT LIST, so operators can tell connections apart. */
  name: string;
  /** Producer command timeout. */
  commandTimeoutMs?: number;
}

/** Reconnect quickly but without hammering a restarting server. */
const reconnectDelay = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);
/**
 * Behind Sentinel the address is asked of the sentinels on every attempt, and an attempt on a dead master fails at
 * once (connection refused) or after connectTimeout: retry often, so a promoted replica is found within a fraction
 * of a second of the sentinels announcing it rather than after a 2 s back-off.
 */
const sentinelReconnectDelay = (times: number) => Math.min(25 * 2 ** Math.min(times, 3), 200);

export function redisOptionsFor(role: ConnectionRole, name: string, commandTimeoutMs = 500): RedisOptions {
  const common: RedisOptions = { connectionName: name, retryStrategy: reconnectDelay };
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

/**
 * A connection of the given role to the target. Behind Sentinel, ioredis asks the sentinels for the master on
 * every reconnect and checks its role, so a failover needs no restart: each reconnect lands on the current master. On a Cluster the client is an ioredis Cluster, typed as Redis because it offers the same
 * command interface (commands, scripts, pipelines, pub/sub, events) and every consumer uses only that; BullMQ
 * takes it as it is.
 */
export function createRedisConnection(settings: ConnectionSettings): Redis {
  // One socket write per event-loop turn on every connection (coalesce-writes.ts).
  return coalesceWrites(connect(settings));
}

function connect(settings: ConnectionSettings): Redis {
  const target = settings.target ?? { kind: 'standalone', url: settings.url ?? DEFAULT_URL, auth: {} };
  const options = redisOptionsFor(settings.role, settings.name, settings.commandTimeoutMs);
  const auth = { ...target.auth };
  const tls = target.tls === undefined ? {} : { tls: tlsOptions(target.tls) };
  switch (target.kind) {
    case 'standalone':
      return new Redis(target.url, { ...options, ...auth, ...tls });
    case 'sentinel':
      return new Redis({
        ...options,
        ...auth,
        ...tls,
        sentinels: target.sentinels,
        name: target.masterName,
        ...(target.sentinelAuth.username === undefined
          ? {}
          : { sentinelUsername: target.sentinelAuth.username }),
        ...(target.sentinelAuth.password === undefined
          ? {}
          : { sentinelPassword: target.sentinelAuth.password }),
        ...(target.tls === undefined
          ? {}
          : { enableTLSForSentinelMode: true, sentinelTLS: tlsOptions(target.tls) }),
        retryStrategy: sentinelReconnectDelay,
        // Whichever sentinels answer: a sentinel that is down costs one attempt, not a stuck connection.
        sentinelRetryStrategy: (times) => Math.min(100 * times, 1000),
        // Not ioredis's failoverDetector: in the redis-failover drill it left connections closed for good (status
        // end: "Connection is closed.") in about one run of four. A killed master drops every connection by itself;
        // a master demoted by a manual failover answers writes with READONLY, which reconnects (to the new one).
        reconnectOnError: (error) => error.message.startsWith('READONLY'),
        // Sentinels announce each other: follow the ones that exist now, not only the configured list.
        updateSentinels: true,
      });
    case 'cluster':
      return new Cluster(
        target.nodes,
        clusterOptionsFor(settings.role, options, auth, tls),
      ) as unknown as Redis;
  }
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';

function clusterOptionsFor(
  role: ConnectionRole,
  options: RedisOptions,
  auth: RedisAuth,
  tls: { tls?: ConnectionOptions },
): ClusterOptions {
  const { enableOfflineQueue, retryStrategy: _perNode, ...perNode } = options;
  return {
    // A producer fails fast while a shard has no master; workers wait for the cluster to heal.
    enableOfflineQueue: enableOfflineQueue ?? true,
    redisOptions: { ...perNode, ...auth, ...tls },
    clusterRetryStrategy: role === 'producer' ? (times) => Math.min(50 * times, 500) : reconnectDelay,
    // While a replica is promoted the slot answers CLUSTERDOWN or its connection drops: retry soon, the
    // refreshed slot map then points at the new master.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    maxRedirections: role === 'producer' ? 4 : 64,
    slotsRefreshTimeout: 1000,
    slotsRefreshInterval: 2000,
    // Reads and writes both go to masters: a replica may lag, and a delivery record read stale could send twice.
    scaleReads: 'master',
  };
}

function tlsOptions(tls: RedisTls): ConnectionOptions {
  return tls.ca === undefined ? {} : { ca: tls.ca };
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
