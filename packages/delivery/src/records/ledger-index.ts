import { defineScript, type Keyspace, type LuaScript, UNPACK_ARGS } from '@byot/redis';
import type { Redis } from 'ioredis';

/**
 * The support console's indexes, kept beside the delivery ledger and expiring with it:
 * - the feed: per tenant, every hook's eventId scored by when it arrived (newest first for the console);
 * - the hook entry: what hook-ingress knew and answered of a hook (time, channel, request type, masked number,
 *   Okta's answer, the fraud rule that stopped it) — the only trace of a hook no worker ever saw (blocked, Okta
 *   fallback);
 * - the person index: per tenant, a person's eventIds under an HMAC of their login, user id or number's last four
 *   digits (@byot/sealing's PersonIndexer): never the value itself.
 * Written by hook-ingress once it has answered Okta (one script call, off Okta's clock); read by the console.
 */

/**
 * KEYS[1] the hook entry, KEYS[2] the feed, KEYS[3..] the person index sets (all in the tenant's console slot).
 * args: fields (flat field/value list), expireAt, receivedAt, eventId, below ('(' .. the oldest score kept)
 * Each sorted set: the eventId added unless present (NX: a duplicate keeps its first arrival time), entries older
 * than any live record trimmed, and its expiry moved to expireAt unless it already expires later — the same
 * commands the pipeline of the release before sent (HSET, PEXPIREAT, ZADD NX, ZREMRANGEBYSCORE, PEXPIREAT GT and
 * NX), as one call: 1 command for the ingress to build, send and parse instead of 6 + 4 per digest (18 a hook).
 */
export const RECORD_HOOK = `
${UNPACK_ARGS}
redis.call('HSET', KEYS[1], unpack(args.fields))
redis.call('PEXPIREAT', KEYS[1], args.expireAt)
for i = 2, #KEYS do
  local key = KEYS[i]
  redis.call('ZADD', key, 'NX', args.receivedAt, args.eventId)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', args.below)
  local at = redis.call('PEXPIRETIME', key)
  if at == -1 or at < args.expireAt then redis.call('PEXPIREAT', key, args.expireAt) end
end
return 1
`;

interface RecordHookArgs {
  fields: string[];
  expireAt: number;
  receivedAt: number;
  eventId: string;
  below: string;
}

export type HookAnswerStatus = 'SUCCESSFUL' | 'PENDING' | 'FAILED' | 'fallback';

export interface HookEntry {
  tenant: string;
  eventId: string;
  receivedAt: number;
  channel: string;
  requestType: string;
  phoneMasked: string;
  otpExpiresAt: number;
  answer: HookAnswerStatus;
  answeredAt: number;
  /** The provider named to Okta (SUCCESSFUL). */
  provider?: string;
  /** Why FAILED or fallback (e.g. queue-timeout, destination-permanent). */
  reason?: string;
  /** The fraud rule that stopped the hook (answered FAILED, nothing enqueued). */
  blockedBy?: string;
}

type Keys = Pick<Keyspace, 'deliveryFeed' | 'hookEntry' | 'personIndex'>;

export interface LedgerIndexSettings {
  /** How long records are kept after their code expires (DELIVERY_RETENTION_SECONDS), in ms. */
  retentionMs: number;
  /** The longest a code may live (MAX_OTP_LIFETIME_SECONDS), in ms: bounds how old a feed entry can be. */
  maxOtpLifetimeMs: number;
}

const FIELDS = [
  'receivedAt',
  'channel',
  'requestType',
  'phoneMasked',
  'otpExpiresAt',
  'answer',
  'answeredAt',
  'provider',
  'reason',
  'blockedBy',
] as const;

export class LedgerIndex {
  readonly #redis: Redis;
  readonly #keys: Keys;
  readonly #settings: LedgerIndexSettings;
  readonly #recordHook: LuaScript<RecordHookArgs, number>;

  constructor(redis: Redis, keys: Keys, settings: LedgerIndexSettings) {
    this.#redis = redis;
    this.#keys = keys;
    this.#settings = settings;
    this.#recordHook = defineScript(redis, 'byotLedgerRecordHook', RECORD_HOOK);
  }

  /** Indexes one answered hook and its person digests (from PersonIndexer.digests). One script call. */
  async recordHook(entry: HookEntry, digests: Record<string, string | undefined> = {}): Promise<void> {
    const expireAt = Math.max(entry.otpExpiresAt, entry.answeredAt) + this.#settings.retentionMs;
    // Nothing in a feed outlives the longest-lived record: the longest code life plus the retention.
    const oldest = entry.answeredAt - this.#settings.maxOtpLifetimeMs - this.#settings.retentionMs;
    const keys = [this.#keys.hookEntry(entry.tenant, entry.eventId), this.#keys.deliveryFeed(entry.tenant)];
    for (const digest of Object.values(digests)) {
      if (digest) keys.push(this.#keys.personIndex(entry.tenant, digest));
    }
    await this.#recordHook(keys, {
      fields: flatten(entry),
      expireAt,
      receivedAt: entry.receivedAt,
      eventId: entry.eventId,
      below: `(${oldest}`,
    });
  }

  /** A tenant's eventIds, newest first, that arrived in [from, to] — `offset` to page on. */
  async feed(
    tenant: string,
    range: { from?: number; to?: number; limit: number; offset?: number },
  ): Promise<{ eventId: string; receivedAt: number }[]> {
    const reply = await this.#redis.zrevrangebyscore(
      this.#keys.deliveryFeed(tenant),
      range.to ?? '+inf',
      range.from ?? '-inf',
      'WITHSCORES',
      'LIMIT',
      range.offset ?? 0,
      range.limit,
    );
    return pairs(reply);
  }

  /** The eventIds of a person in a tenant, newest first, over every digest given (the keys of a rotation). */
  async person(
    tenant: string,
    digests: string[],
    limit: number,
  ): Promise<{ eventId: string; receivedAt: number }[]> {
    if (digests.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const digest of digests) {
      pipeline.zrevrangebyscore(
        this.#keys.personIndex(tenant, digest),
        '+inf',
        '-inf',
        'WITHSCORES',
        'LIMIT',
        0,
        limit,
      );
    }
    const results = (await pipeline.exec()) ?? [];
    const seen = new Map<string, number>();
    for (const [error, reply] of results) {
      if (error) throw error;
      for (const item of pairs(reply as string[])) seen.set(item.eventId, item.receivedAt);
    }
    return [...seen]
      .map(([eventId, receivedAt]) => ({ eventId, receivedAt }))
      .sort((a, b) => b.receivedAt - a.receivedAt)
      .slice(0, limit);
  }

  /** Hook entries of these eventIds of one tenant (undefined where expired), in one round trip. */
  async hooks(tenant: string, eventIds: string[]): Promise<(HookEntry | undefined)[]> {
    if (eventIds.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const eventId of eventIds) pipeline.hmget(this.#keys.hookEntry(tenant, eventId), ...FIELDS);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, reply], i) => {
      if (error) throw error;
      return parseEntry(tenant, eventIds[i] as string, reply as (string | null)[]);
    });
  }
}

/** The entry's defined fields as a flat field/value list (HSET's arguments). */
function flatten(entry: HookEntry): string[] {
  const out: string[] = [];
  for (const field of FIELDS) {
    const value = entry[field];
    if (value !== undefined) out.push(field, String(value));
  }
  return out;
}

function parseEntry(tenant: string, eventId: string, values: (string | null)[]): HookEntry | undefined {
  const get = (field: (typeof FIELDS)[number]) => values[FIELDS.indexOf(field)] ?? undefined;
  const receivedAt = Number(get('receivedAt'));
  const answer = get('answer');
  if (!Number.isFinite(receivedAt) || !answer) return undefined;
  const provider = get('provider');
  const reason = get('reason');
  const blockedBy = get('blockedBy');
  return {
    tenant,
    eventId,
    receivedAt,
    channel: get('channel') ?? 'sms',
    requestType: get('requestType') ?? '',
    phoneMasked: get('phoneMasked') ?? '',
    otpExpiresAt: Number(get('otpExpiresAt') ?? 0),
    answer: answer as HookAnswerStatus,
    answeredAt: Number(get('answeredAt') ?? receivedAt),
    ...(provider ? { provider } : {}),
    ...(reason ? { reason } : {}),
    ...(blockedBy ? { blockedBy } : {}),
  };
}

function pairs(reply: string[]): { eventId: string; receivedAt: number }[] {
  const out: { eventId: string; receivedAt: number }[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    out.push({ eventId: reply[i] as string, receivedAt: Number(reply[i + 1]) });
  }
  return out;
}
