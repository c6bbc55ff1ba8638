import { defineScript, type LuaScript, UNPACK_ARGS } from '@byot/redis';
import type { Redis } from 'ioredis';

/**
 * Usage for billing: per tenant and UTC day, how many codes went out by channel, request type, destination
 * country, provider and outcome; the provider messages and SMS segments behind them; failovers; blocks; receipts.
 *
 * Kept compact, as counters rather than records: one Redis hash per tenant and day, one field per combination of
 * dimensions (`codes|sms|mfa|GB|twilio|sent`), incremented in place. A busy tenant's day is a few dozen fields
 * (≈ 1–2 KB, stored as a listpack), so 100 tenants × 400 days fit in well under 100 MB. Nothing in it identifies a
 * person: no number, no code, no event id. Each day's hash expires on its own `USAGE_RETENTION_DAYS` after the day.
 */
export const USAGE_RETENTION_DAYS = 400;
const DAY_MS = 86_400_000;

export interface UsageKeys {
  /** One tenant's counters for one UTC day (`YYYY-MM-DD`): a single key, namespaced by tenant. */
  usageDay(tenant: string, day: string): string;
  /** The set of tenants that ever had usage: the MSP's export still lists a tenant removed from the file. */
  usageTenants(): string;
}

export const USAGE_METRICS = ['codes', 'messages', 'segments', 'failovers', 'blocked', 'receipts'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

/** One counter's dimensions. A dimension that does not apply to a metric is `-`. */
export interface UsageDimensions {
  channel?: string;
  requestType?: string;
  /** ISO 3166 alpha-2 of the destination number; `ZZ` when unknown. */
  country?: string;
  /** The provider (for failovers `from>to`). */
  provider?: string;
  /** codes: sent | failed | expired | okta-fallback | blocked; receipts: delivered | undelivered | …; blocked: the rule. */
  outcome?: string;
}

export type UsageEvent =
  /** A code settled: which provider took it (or none), with what outcome. Counted once per code. */
  | {
      kind: 'code';
      channel: string;
      requestType: string;
      country?: string;
      provider?: string;
      outcome: string;
    }
  /** A provider accepted one message (or call): what the provider bills. SMS carry their segment count. */
  | { kind: 'message'; channel: string; country?: string; provider: string; segments?: number }
  /** The next route took over from a failed one. */
  | { kind: 'failover'; channel: string; from: string; to: string; country?: string }
  /** The fraud controls refused a code before anything was queued. */
  | { kind: 'blocked'; channel: string; requestType: string; country?: string; rule: string }
  /** A provider reported a final status. */
  | { kind: 'receipt'; channel: string; provider: string; status: string };

const SEPARATOR = '|';
const NONE = '-';

/** A dimension value safe inside a field name: bounded, no separator, no surprises in a CSV. */
function part(value: string | undefined): string {
  if (value === undefined || value === '') return NONE;
  const clean = value.replace(/[^A-Za-z0-9._>-]/g, '_').slice(0, 40);
  return clean === '' ? NONE : clean;
}

export function usageField(metric: UsageMetric, d: UsageDimensions): string {
  return [
    metric,
    part(d.channel),
    part(d.requestType),
    part(d.country),
    part(d.provider),
    part(d.outcome),
  ].join(SEPARATOR);
}

export function parseUsageField(
  field: string,
): ({ metric: UsageMetric } & Required<UsageDimensions>) | undefined {
  const [metric, channel, requestType, country, provider, outcome, ...rest] = field.split(SEPARATOR);
  if (
    rest.length > 0 ||
    outcome === undefined ||
    !(USAGE_METRICS as readonly string[]).includes(metric ?? '')
  ) {
    return undefined;
  }
  return {
    metric: metric as UsageMetric,
    channel: channel ?? NONE,
    requestType: requestType ?? NONE,
    country: country ?? NONE,
    provider: provider ?? NONE,
    outcome,
  };
}

/** The counters one event adds to. */
export function incrementsFor(event: UsageEvent): Array<[field: string, by: number]> {
  const country = event.kind === 'receipt' ? undefined : (event.country ?? 'ZZ');
  switch (event.kind) {
    case 'code':
      return [[usageField('codes', { ...event, country, provider: event.provider ?? NONE }), 1]];
    case 'message': {
      const out: Array<[string, number]> = [[usageField('messages', { ...event, country }), 1]];
      if (event.segments !== undefined && event.segments > 0) {
        out.push([usageField('segments', { ...event, country }), Math.round(event.segments)]);
      }
      return out;
    }
    case 'failover':
      return [
        [
          usageField('failovers', { channel: event.channel, country, provider: `${event.from}>${event.to}` }),
          1,
        ],
      ];
    case 'blocked':
      return [[usageField('blocked', { ...event, country, outcome: event.rule }), 1]];
    case 'receipt':
      return [
        [
          usageField('receipts', { channel: event.channel, provider: event.provider, outcome: event.status }),
          1,
        ],
      ];
  }
}

/** `YYYY-MM-DD` of an instant, in UTC. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Epoch seconds at which a day's hash expires: `USAGE_RETENTION_DAYS` after the day has ended. */
export function usageExpiry(day: string, retentionDays = USAGE_RETENTION_DAYS): number {
  return Math.floor((Date.parse(`${day}T00:00:00Z`) + (retentionDays + 1) * DAY_MS) / 1000);
}

/**
 * KEYS[1] the tenant's day. args: increments (flat field/amount list), expireAt (epoch seconds).
 * The HINCRBYs and the EXPIREAT of one outcome, atomically as the MULTI of the release before — as one script
 * call: a MULTI is an ioredis Pipeline, whose construction copies every script defined on the connection (BullMQ's
 * ≈ 50 on the workers'), measured at ≈ 90 µs of CPU per message in one sms-worker.
 */
export const RECORD_USAGE = `
${UNPACK_ARGS}
local increments = args.increments
for i = 1, #increments, 2 do
  redis.call('HINCRBY', KEYS[1], increments[i], increments[i + 1])
end
redis.call('EXPIREAT', KEYS[1], args.expireAt)
return 1
`;

export class UsageCounters {
  readonly #redis: Redis;
  readonly #recordUsage: LuaScript<{ increments: (string | number)[]; expireAt: number }, number>;
  readonly #keys: UsageKeys;
  readonly #retentionDays: number;
  /** Tenants already added to the index by this process: one SADD per tenant, not one per event. */
  readonly #indexed = new Set<string>();

  constructor(redis: Redis, keys: UsageKeys, options: { retentionDays?: number } = {}) {
    this.#redis = redis;
    this.#keys = keys;
    this.#retentionDays = Math.max(options.retentionDays ?? USAGE_RETENTION_DAYS, USAGE_RETENTION_DAYS);
    this.#recordUsage = defineScript(redis, 'byotUsageRecord', RECORD_USAGE);
  }

  /**
   * Adds one event, or the several events of one outcome (a send's message and its code), to the tenant's day.
   * One round trip however many (one script on one key, atomic); the index write at most once.
   */
  async record(tenant: string, events: UsageEvent | readonly UsageEvent[], at = Date.now()): Promise<void> {
    const list = Array.isArray(events) ? (events as readonly UsageEvent[]) : [events as UsageEvent];
    if (list.length === 0) return;
    const day = utcDay(at);
    const key = this.#keys.usageDay(tenant, day);
    const increments: (string | number)[] = [];
    for (const event of list) for (const [field, by] of incrementsFor(event)) increments.push(field, by);
    const writes: Array<Promise<unknown>> = [
      this.#recordUsage([key], { increments, expireAt: usageExpiry(day, this.#retentionDays) }),
    ];
    if (!this.#indexed.has(tenant)) {
      writes.push(this.#redis.sadd(this.#keys.usageTenants(), tenant).then(() => this.#indexed.add(tenant)));
    }
    await Promise.all(writes);
  }

  /** Every tenant that has had usage (current or since removed). */
  async knownTenants(): Promise<string[]> {
    return (await this.#redis.smembers(this.#keys.usageTenants())).sort();
  }

  /** The raw counters of each tenant and day in the range, empty days left out. */
  async read(tenants: readonly string[], days: readonly string[]): Promise<UsageDay[]> {
    const reads = tenants.flatMap((tenant) =>
      days.map(async (day) => ({
        tenant,
        day,
        counters: await this.#redis.hgetall(this.#keys.usageDay(tenant, day)),
      })),
    );
    const results = await Promise.all(reads);
    return results
      .filter((r) => Object.keys(r.counters).length > 0)
      .map((r) => ({
        tenant: r.tenant,
        day: r.day,
        counters: Object.fromEntries(Object.entries(r.counters).map(([f, v]) => [f, Number(v)])),
      }));
  }
}

export interface UsageDay {
  tenant: string;
  day: string;
  counters: Record<string, number>;
}
