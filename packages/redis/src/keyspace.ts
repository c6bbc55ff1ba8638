import type { HostPort } from './target.ts';

/**
 * Where byot's data lives in Redis (ADR 0017). Three layouts:
 * - `single` (one Redis, or a Sentinel master): today's key names, `byot:…`, so a rolling upgrade finds every key
 *   it left behind.
 * - `cluster` (REDIS_CLUSTER_NODES): hash tags chosen so that every Lua script, MULTI and pipeline touches ONE slot
 *   while the data spreads: each BullMQ queue its own tag, each delivery (record, attempts, resend payload) its own,
 *   each tenant's console index and fraud state its own, the breakers and the console's provider figures one each.
 *   Single-key families keep their names (a key is its own slot).
 * - `tagged` (REDIS_CLUSTER_HASH_TAG=true, the old way): the prefix in one tag, `{byot}:…`, every key on one slot.
 */
export type KeyLayout = 'single' | 'cluster' | 'tagged';

export interface Keyspace {
  readonly layout: KeyLayout;
  /** The prefix of byot's own single-key families (OAuth replay, throttles): `byot`, or `{byot}` when tagged. */
  readonly prefix: string;
  /** The BullMQ `prefix` option of one queue: its keys share one slot (BullMQ's scripts touch several of them). */
  queuePrefix(queue: string): string;
  delivery(eventId: string): string;
  /** The delivery ledger's attempt list (JSON entries, no secrets), beside the record and expiring with it. */
  attempts(eventId: string): string;
  /** Provider message id → "eventId attemptIndex": how a status callback finds its delivery. */
  providerMessage(provider: string, providerMessageId: string): string;
  /** The sealed send job kept after a provider accepted it, for a receipt-driven resend; expires with the OTP. */
  resend(eventId: string): string;
  /**
   * A provider's circuit breaker for one channel, shared by every worker replica. With a credential set (issue 13:
   * one per provider account, see @byot/tenancy credentialSetOf) each account has its own: one customer's
   * suspended subaccount opens that account's breaker only. Without one: the single-org setup's key, unchanged.
   */
  breaker(provider: string, channel: string, credentialSet?: string): string;
  /** A tenant's waiting line on a send queue (fair share between tenants, ADR 0013): one key per queue and tenant. */
  fairShareBacklog(queue: string, tenant: string): string;
  /**
   * A tenant's send pace on a send queue (the time its next code may go, GCRA): read and written by the same
   * script as its waiting line, so on a Cluster the two share a slot.
   */
  fairSharePace(queue: string, tenant: string): string;
  /** One tenant's usage counters for one UTC day (`YYYY-MM-DD`), kept 400 days (ADR 0013). */
  usageDay(tenant: string, day: string): string;
  /** Every tenant that ever had usage, so a tenant removed from the file still shows in the export. */
  usageTenants(): string;
  /** Pub/sub channel on which workers announce outcomes to every ingress instance. */
  readonly outcomesChannel: string;
  /** One minute of provider figures (attempts, accept latency, receipts) written by the workers for the console. */
  providerStats(minute: number): string;
  /** Routes the workers serve ("tenant|channel|provider|credentialSet" → last seen, epoch ms). */
  readonly providerRoutes: string;
  /** The tenant's hooks, newest last (sorted set: eventId scored by the time the hook arrived): the console's feed. */
  deliveryFeed(tenant: string): string;
  /** What hook-ingress knew and answered of one hook (no secret): the feed's row before any worker saw it. */
  hookEntry(tenant: string, eventId: string): string;
  /** A person's hooks in a tenant (sorted set of eventIds), under an HMAC of their login, user id or last digits. */
  personIndex(tenant: string, digest: string): string;
  /** A console session, under the SHA-256 of its cookie value (never the value itself). */
  consoleSession(idDigest: string): string;
  /** A console OIDC sign-in in flight (PKCE verifier, nonce), under the SHA-256 of its state. */
  consoleOidcFlow(stateDigest: string): string;
  /**
   * Where one tenant's fraud controls keep their counters and holds. The tenant id is a hash tag of its own, so
   * the one script that decides a hook touches one Cluster slot (with the prefix tagged, its tag wins: one slot).
   */
  fraud(tenantId: string): string;
}

export function createKeyspace(prefix: string, layout: KeyLayout | boolean = 'single'): Keyspace {
  const chosen: KeyLayout = layout === true ? 'tagged' : layout === false ? 'single' : layout;
  return chosen === 'cluster' ? clusterKeyspace(prefix) : singleKeyspace(prefix, chosen);
}

/** The parsed REDIS_* variables that choose the layout (see @byot/config redisEnv). */
export interface KeyspaceConfig {
  REDIS_KEY_PREFIX: string;
  REDIS_KEY_LAYOUT?: 'single' | 'cluster' | undefined;
  REDIS_CLUSTER_HASH_TAG: boolean;
  REDIS_CLUSTER_NODES?: HostPort[] | undefined;
}

/** REDIS_KEY_LAYOUT if set; else the old one-tag layout if asked for; else `cluster` on a Cluster, `single` otherwise. */
export function keyspaceFromConfig(config: KeyspaceConfig): Keyspace {
  const layout: KeyLayout =
    config.REDIS_KEY_LAYOUT ??
    (config.REDIS_CLUSTER_HASH_TAG
      ? 'tagged'
      : config.REDIS_CLUSTER_NODES !== undefined
        ? 'cluster'
        : 'single');
  return createKeyspace(config.REDIS_KEY_PREFIX, layout);
}

function singleKeyspace(prefix: string, layout: 'single' | 'tagged'): Keyspace {
  const base = layout === 'tagged' ? `{${prefix}}` : prefix;
  return {
    layout,
    prefix: base,
    queuePrefix: () => base,
    delivery: (eventId) => `${base}:delivery:${eventId}`,
    attempts: (eventId) => `${base}:attempts:${eventId}`,
    providerMessage: (provider, id) => `${base}:pmsg:${provider}:${id}`,
    resend: (eventId) => `${base}:resend:${eventId}`,
    breaker: (provider, channel, credentialSet) =>
      `${base}:breaker:${channel}:${provider}${credentialSet === undefined ? '' : `@${credentialSet}`}`,
    fairShareBacklog: (queue, tenant) => `${base}:fair:${queue}:${tenant}`,
    fairSharePace: (queue, tenant) => `${base}:fair:${queue}:${tenant}:pace`,
    usageDay: (tenant, day) => `${base}:usage:${tenant}:${day}`,
    usageTenants: () => `${base}:usage-tenants`,
    outcomesChannel: `${base}:outcomes`,
    providerStats: (minute) => `${base}:pstats:${minute}`,
    providerRoutes: `${base}:pstats:routes`,
    deliveryFeed: (tenant) => `${base}:feed:${tenant}`,
    hookEntry: (tenant, eventId) => `${base}:hook:${tenant}:${eventId}`,
    personIndex: (tenant, digest) => `${base}:person:${tenant}:${digest}`,
    consoleSession: (digest) => `${base}:console:session:${digest}`,
    consoleOidcFlow: (digest) => `${base}:console:oidc:${digest}`,
    fraud: (tenantId) => `${base}:fraud:{${tenantId}}`,
  };
}

/**
 * The Cluster layout. Which keys share a slot, and why (ADR 0017):
 * - one BullMQ queue: `{byot:sms-send}:sms-send:*` (BullMQ's scripts move jobs between its lists and hashes);
 * - one delivery: `byot:delivery:{eventId}`, `byot:attempts:{eventId}`, `byot:resend:{eventId}` (the record
 *   scripts settle, log and resend in one step). The provider-message index cannot join it (a callback knows only
 *   the provider's id), so the store writes it beside the script (DeliveryStore.settleAccepted);
 * - one tenant's console index: `{byot:console:acme}:feed`, `…:hook:<eventId>`, `…:person:<digest>` (one pipeline
 *   indexes a hook in all three);
 * - one tenant's fraud state: `byot:fraud:{acme}:*` (one script per hook reads and writes several counters);
 * - one tenant's place on one send queue: `{byot:fair:sms-send:acme}` (its waiting line) and `…:pace` (its send
 *   pace), both read and written by the one script that admits a code;
 * - every breaker: `{byot:breakers}:*` (a handful of keys, read together for the metrics and the console);
 * - the console's provider figures: `{byot:pstats}:*` (written and read in one pipeline).
 */
function clusterKeyspace(base: string): Keyspace {
  const single = singleKeyspace(base, 'single');
  const breakers = `{${base}:breakers}`;
  const stats = `{${base}:pstats}`;
  const console = (tenant: string) => `{${base}:console:${tenant}}`;
  return {
    ...single,
    layout: 'cluster',
    queuePrefix: (queue) => `{${base}:${queue}}`,
    delivery: (eventId) => `${base}:delivery:{${eventId}}`,
    attempts: (eventId) => `${base}:attempts:{${eventId}}`,
    resend: (eventId) => `${base}:resend:{${eventId}}`,
    fairShareBacklog: (queue, tenant) => `{${base}:fair:${queue}:${tenant}}`,
    fairSharePace: (queue, tenant) => `{${base}:fair:${queue}:${tenant}}:pace`,
    breaker: (provider, channel, credentialSet) =>
      `${breakers}:${channel}:${provider}${credentialSet === undefined ? '' : `@${credentialSet}`}`,
    providerStats: (minute) => `${stats}:${minute}`,
    providerRoutes: `${stats}:routes`,
    deliveryFeed: (tenant) => `${console(tenant)}:feed`,
    hookEntry: (tenant, eventId) => `${console(tenant)}:hook:${eventId}`,
    personIndex: (tenant, digest) => `${console(tenant)}:person:${digest}`,
  };
}

/**
 * The slot Redis Cluster computes for a key (CRC16/XMODEM of the hash tag, or of the whole key, mod 16384): for
 * tests that check which keys share a slot, and for drills that pick a key on a given shard.
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  let hashed = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16_384;
}
