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
  /** A provider's circuit breaker for one channel, shared by every worker replica. */
  breaker(provider: string, channel: string): string;
  /** Pub/sub channel on which workers announce outcomes to every ingress instance. */
  readonly outcomesChannel: string;
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
    breaker: (provider, channel) => `${base}:breaker:${channel}:${provider}`,
    outcomesChannel: `${base}:outcomes`,
    fraud: (tenantId) => `${base}:fraud:{${tenantId}}`,
  };
}
