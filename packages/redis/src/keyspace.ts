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
  };
}
