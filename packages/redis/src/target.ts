import { readFileSync } from 'node:fs';

/**
 * Which Redis byot talks to, and how: one server (REDIS_URL), a Sentinel-watched master (REDIS_SENTINELS +
 * REDIS_SENTINEL_MASTER) or a Cluster (REDIS_CLUSTER_NODES). @byot/config validates the variables (redisEnv,
 * checkRedisEnv); this turns the parsed values into what the connection factory needs. Secrets stay in here and in
 * ioredis: describeRedisTarget() is the only form that is ever logged.
 */
export interface HostPort {
  host: string;
  port: number;
}

export interface RedisAuth {
  username?: string;
  password?: string;
}

export interface RedisTls {
  /** PEM of the CA that signed the servers' certificates (REDIS_TLS_CA_FILE); absent: the system's CAs. */
  ca?: string;
}

export type RedisTarget =
  | { kind: 'standalone'; url: string; auth: RedisAuth; tls?: RedisTls }
  | {
      kind: 'sentinel';
      sentinels: HostPort[];
      masterName: string;
      /** The data nodes' credentials (REDIS_USERNAME/REDIS_PASSWORD). */
      auth: RedisAuth;
      /** The sentinels' own (REDIS_SENTINEL_USERNAME/REDIS_SENTINEL_PASSWORD): often none, or different. */
      sentinelAuth: RedisAuth;
      tls?: RedisTls;
    }
  | { kind: 'cluster'; nodes: HostPort[]; auth: RedisAuth; tls?: RedisTls };

/** The parsed variables of @byot/config's redisEnv (structurally: this package does not depend on config). */
export interface RedisTargetConfig {
  REDIS_URL: string;
  REDIS_SENTINELS?: HostPort[] | undefined;
  REDIS_SENTINEL_MASTER?: string | undefined;
  REDIS_CLUSTER_NODES?: HostPort[] | undefined;
  REDIS_USERNAME?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
  REDIS_SENTINEL_USERNAME?: string | undefined;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
  REDIS_TLS?: boolean | undefined;
  REDIS_TLS_CA_FILE?: string | undefined;
}

export function redisTargetFromConfig(config: RedisTargetConfig): RedisTarget {
  const auth = authOf(config.REDIS_USERNAME, config.REDIS_PASSWORD);
  const tlsOn = config.REDIS_TLS === true || config.REDIS_URL.startsWith('rediss://');
  const tls = tlsOn ? tlsOf(config.REDIS_TLS_CA_FILE) : undefined;
  const withTls = tls === undefined ? {} : { tls };
  if (config.REDIS_SENTINELS !== undefined && config.REDIS_SENTINELS.length > 0) {
    if (config.REDIS_SENTINEL_MASTER === undefined)
      throw new Error('REDIS_SENTINEL_MASTER is required with REDIS_SENTINELS');
    return {
      kind: 'sentinel',
      sentinels: config.REDIS_SENTINELS,
      masterName: config.REDIS_SENTINEL_MASTER,
      auth,
      sentinelAuth: authOf(config.REDIS_SENTINEL_USERNAME, config.REDIS_SENTINEL_PASSWORD),
      ...withTls,
    };
  }
  if (config.REDIS_CLUSTER_NODES !== undefined && config.REDIS_CLUSTER_NODES.length > 0)
    return { kind: 'cluster', nodes: config.REDIS_CLUSTER_NODES, auth, ...withTls };
  return { kind: 'standalone', url: config.REDIS_URL, auth, ...withTls };
}

/** A target as a log line can show it: addresses and names, never a password (nor a URL's userinfo). */
export function describeRedisTarget(target: RedisTarget): Record<string, unknown> {
  const list = (nodes: HostPort[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  const common = { tls: target.tls !== undefined, authenticated: target.auth.password !== undefined };
  switch (target.kind) {
    case 'standalone':
      return { redis: 'standalone', address: redactUrl(target.url), ...common };
    case 'sentinel':
      return { redis: 'sentinel', sentinels: list(target.sentinels), master: target.masterName, ...common };
    case 'cluster':
      return { redis: 'cluster', nodes: list(target.nodes), ...common };
  }
}

function authOf(username: string | undefined, password: string | undefined): RedisAuth {
  return {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

function tlsOf(caFile: string | undefined): RedisTls {
  return caFile === undefined ? {} : { ca: readFileSync(caFile, 'utf8') };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparseable REDIS_URL)';
  }
}
