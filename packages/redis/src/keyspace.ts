/**
 * Where byot's data lives in Redis. One prefix for BullMQ and for our own keys, optionally wrapped in a hash tag
 * (`{byot}`) so that, on Redis Cluster, every key BullMQ's Lua scripts touch shares one slot.
 */
export interface Keyspace {
  /** The BullMQ `prefix` option. */
  readonly prefix: string;
  delivery(eventId: string): string;
  /** Pub/sub channel on which workers announce outcomes to every ingress instance. */
  readonly outcomesChannel: string;
}

export function createKeyspace(prefix: string, clusterHashTag = false): Keyspace {
  const base = clusterHashTag ? `{${prefix}}` : prefix;
  return {
    prefix: base,
    delivery: (eventId) => `${base}:delivery:${eventId}`,
    outcomesChannel: `${base}:outcomes`,
  };
}
