import { randomBytes } from 'node:crypto';
import { probeDocker } from './docker.ts';
import { findRedisServerBinary, RedisServerProcess, redisServerNotFoundMessage } from './redis-server.ts';

export type { RedisServerOptions } from './redis-server.ts';
export { findRedisServerBinary, pingRedis, RedisServerProcess } from './redis-server.ts';

export type TestRedisStrategy = 'container' | 'url' | 'binary';

/** A real Redis for a test run. Tests sharing one isolate themselves with uniquePrefix(), never FLUSH. */
export interface TestRedis {
  url: string;
  strategy: TestRedisStrategy;
  /** Container: removed. Binary: shut down, temp dir removed. URL: no-op (not ours). Idempotent. */
  stop(): Promise<void>;
}

export interface StartTestRedisOptions {
  /** Default: $BYOT_TEST_REDIS, else 'auto' (container if Docker answers, else REDIS_URL, else binary). */
  strategy?: TestRedisStrategy | 'auto';
  /** Default: $REDIS_URL. */
  url?: string;
  /** Container image. Default redis:7-alpine. */
  image?: string;
  /** redis-server path for the binary strategy. Default: $REDIS_SERVER_BIN, else PATH. */
  redisServerBin?: string;
  /** Default 1 s. */
  dockerProbeTimeoutMs?: number;
}

const STRATEGIES: readonly (TestRedisStrategy | 'auto')[] = ['auto', 'container', 'url', 'binary'];
const DEFAULT_IMAGE = 'redis:7-alpine';
const HOW_TO_FIX =
  'Fix: install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), ' +
  'or set REDIS_URL to a Redis you can use (tests only touch keys under their own prefix), or run a Docker engine. ' +
  'BYOT_TEST_REDIS=container|url|binary forces one strategy.';

/**
 * Starts (or finds) a real Redis for tests — never a mock: BullMQ's Lua scripts, blocking commands and
 * AOF behaviour are what we test against. See StartTestRedisOptions for how the strategy is chosen.
 */
export async function startTestRedis(options: StartTestRedisOptions = {}): Promise<TestRedis> {
  const strategy = options.strategy ?? parseStrategy(process.env.BYOT_TEST_REDIS);
  const url = options.url ?? (process.env.REDIS_URL || undefined);
  switch (strategy) {
    case 'container':
      return withContext('container', () => startContainer(options.image ?? DEFAULT_IMAGE));
    case 'url':
      if (url === undefined) throw new Error(`BYOT_TEST_REDIS=url but REDIS_URL is not set. ${HOW_TO_FIX}`);
      return withContext('url', () => useUrl(url));
    case 'binary':
      return withContext('binary', () => startBinary(options.redisServerBin));
    case 'auto':
      return startAuto(url, options);
  }
}

async function startAuto(url: string | undefined, options: StartTestRedisOptions): Promise<TestRedis> {
  const tried: string[] = [];
  const docker = await probeDocker(options.dockerProbeTimeoutMs ?? 1_000);
  if (docker.available) {
    try {
      return await startContainer(options.image ?? DEFAULT_IMAGE);
    } catch (error) {
      // The engine answered but the container did not start (image pull blocked, no ports…): fall back,
      // and say so, since the fallback may behave differently from what the developer expects.
      tried.push(`container: ${docker.detail}, but the container failed: ${message(error)}`);
      process.emitWarning(`@byot/testkit: Redis container failed, falling back. ${message(error)}`);
    }
  } else {
    tried.push(`container: ${docker.detail}`);
  }

  if (url !== undefined) {
    // REDIS_URL was set on purpose: if it is wrong, say so rather than quietly testing elsewhere.
    return withContext('url (REDIS_URL is set)', () => useUrl(url));
  }
  tried.push('url: REDIS_URL is not set');

  const bin = options.redisServerBin ?? findRedisServerBinary();
  if (bin === undefined) {
    tried.push(`binary: ${redisServerNotFoundMessage()}`);
  } else {
    try {
      return await startBinary(bin);
    } catch (error) {
      tried.push(`binary (${bin}): ${message(error)}`);
    }
  }
  throw new Error(`Could not get a Redis for tests. Tried:\n  - ${tried.join('\n  - ')}\n${HOW_TO_FIX}`);
}

async function startContainer(image: string): Promise<TestRedis> {
  // Loaded on demand: testcontainers is heavy and useless on machines without Docker.
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer(image)
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'])
    .start();
  return { url: container.getConnectionUrl(), strategy: 'container', stop: once(() => container.stop()) };
}

async function useUrl(url: string): Promise<TestRedis> {
  await checkReachable(url);
  return { url, strategy: 'url', stop: async () => {} };
}

async function startBinary(bin: string | undefined): Promise<TestRedis> {
  const server = await RedisServerProcess.start(bin === undefined ? {} : { bin });
  return { url: server.url, strategy: 'binary', stop: once(() => server.stop()) };
}

/** Fails fast with a readable error instead of letting the first test time out on a dead URL. */
async function checkReachable(url: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // reported through the rejected connect() below
  try {
    await client.connect();
    await client.ping();
    const policy = await client.config('GET', 'maxmemory-policy').catch(() => undefined);
    const value = Array.isArray(policy) ? policy[1] : undefined;
    if (typeof value === 'string' && value !== 'noeviction') {
      process.emitWarning(
        `@byot/testkit: the Redis at REDIS_URL runs maxmemory-policy ${value}; BullMQ needs noeviction.`,
      );
    }
  } catch (error) {
    throw new Error(`Redis at ${redactUrl(url)} did not answer PING: ${message(error)}`);
  } finally {
    // After a failed connect the client is already 'end'; disconnecting again would arm a 2 s timer
    // in ioredis that keeps the test process alive for nothing.
    if (client.status !== 'end') client.disconnect();
  }
}

let shared: Promise<TestRedis> | undefined;

/**
 * One Redis per test process, started on first call (call it in `before`) and stopped when the process
 * exits. Its stop() is a no-op so one test file's `after` cannot pull it from under the others.
 * Options only count on the first call; a failed start is remembered (every caller sees the same error).
 */
export function sharedTestRedis(options?: StartTestRedisOptions): Promise<TestRedis> {
  if (shared === undefined) {
    const started = startTestRedis(options);
    shared = started.then((redis) => {
      // 'beforeExit' fires once the event loop is empty (our redis child is unref'd), so we can still stop it
      // gracefully; anything left is killed synchronously on 'exit'.
      process.once('beforeExit', () => void redis.stop().catch(() => {}));
      return { url: redis.url, strategy: redis.strategy, stop: async () => {} };
    });
  }
  return shared;
}

/**
 * A short unique key / BullMQ prefix for one test, e.g. "t-outbox-3f9a0c1d2e", so tests sharing a Redis
 * stay apart without flushing it. Only [A-Za-z0-9_-]: no spaces, and no ':' (BullMQ joins prefix and
 * queue name with ':') nor '{}' (wrap it in a hash tag yourself when testing Redis Cluster).
 */
export function uniquePrefix(label = 'test'): string {
  const safe =
    label
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24) || 'test';
  return `t-${safe}-${randomBytes(5).toString('hex')}`;
}

function parseStrategy(raw: string | undefined): TestRedisStrategy | 'auto' {
  const value = (raw ?? '').trim().toLowerCase() || 'auto';
  const strategy = STRATEGIES.find((candidate) => candidate === value);
  if (strategy === undefined) {
    throw new Error(`BYOT_TEST_REDIS=${raw} is not one of ${STRATEGIES.join(', ')}`);
  }
  return strategy;
}

async function withContext(what: string, start: () => Promise<TestRedis>): Promise<TestRedis> {
  try {
    return await start();
  } catch (error) {
    throw new Error(`Could not get a Redis for tests (${what}): ${message(error)}\n${HOW_TO_FIX}`, {
      cause: error,
    });
  }
}

function once(fn: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn().then(() => {});
    return done;
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
