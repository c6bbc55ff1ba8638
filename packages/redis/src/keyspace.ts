/**
 * Where byot's data lives in Redis. One prefix for BullMQ and for our own keys, optionally wrapped in a hash tag
 * (`{byot}`) so that, on Redis Cluster, every key BullMQ's Lua scripts touch shares one slot.
 */
export interface Keyspace {
  /** The BullMQ `prefix` option. */
  readonly prefix: string;
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

export function createKeyspace(prefix: string, clusterHashTag = false): Keyspace {
  const base = clusterHashTag ? `{${prefix}}` : prefix;
  return {
    prefix: base,
    delivery: (eventId) => `${base}:delivery:${eventId}`,
    attempts: (eventId) => `${base}:attempts:${eventId}`,
    providerMessage: (provider, id) => `${base}:pmsg:${provider}:${id}`,
    resend: (eventId) => `${base}:resend:${eventId}`,
    breaker: (provider, channel, credentialSet) =>
      `${base}:breaker:${channel}:${provider}${credentialSet === undefined ? '' : `@${credentialSet}`}`,
    fairShareBacklog: (queue, tenant) => `${base}:fair:${queue}:${tenant}`,
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
