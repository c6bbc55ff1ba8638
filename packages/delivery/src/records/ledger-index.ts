import type { Keyspace } from '@byot/redis';
import type { Redis } from 'ioredis';

/**
 * The support console's indexes, kept beside the delivery ledger and expiring with it:
 * - the feed: per tenant, every hook's eventId scored by when it arrived (newest first for the console);
 * - the hook entry: what hook-ingress knew and answered of a hook (time, channel, request type, masked number,
 *   Okta's answer, the fraud rule that stopped it) — the only trace of a hook no worker ever saw (blocked, Okta
 *   fallback);
 * - the person index: per tenant, a person's eventIds under an HMAC of their login, user id or number's last four
 *   digits (@byot/sealing's PersonIndexer): never the value itself.
 * Written by hook-ingress once it has answered Okta (one pipeline, off Okta's clock); read by the console.
 */

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

  constructor(redis: Redis, keys: Keys, settings: LedgerIndexSettings) {
    this.#redis = redis;
    this.#keys = keys;
    this.#settings = settings;
  }

  /** Indexes one answered hook and its person digests (from PersonIndexer.digests). One round trip. */
  async recordHook(entry: HookEntry, digests: Record<string, string | undefined> = {}): Promise<void> {
    const expireAt = Math.max(entry.otpExpiresAt, entry.answeredAt) + this.#settings.retentionMs;
    // Nothing in a feed outlives the longest-lived record: the longest code life plus the retention.
    const oldest = entry.answeredAt - this.#settings.maxOtpLifetimeMs - this.#settings.retentionMs;
    const feed = this.#keys.deliveryFeed(entry.tenant);
    const hook = this.#keys.hookEntry(entry.tenant, entry.eventId);
    const pipeline = this.#redis.pipeline();
    pipeline.hset(hook, flatten(entry));
    pipeline.pexpireat(hook, expireAt);
    // NX: a duplicate of the hook keeps its first arrival time (and its place in the feed).
    pipeline.zadd(feed, 'NX', entry.receivedAt, entry.eventId);
    pipeline.zremrangebyscore(feed, '-inf', `(${oldest}`);
    extendExpiry(pipeline, feed, expireAt);
    for (const digest of Object.values(digests)) {
      if (!digest) continue;
      const person = this.#keys.personIndex(entry.tenant, digest);
      pipeline.zadd(person, 'NX', entry.receivedAt, entry.eventId);
      pipeline.zremrangebyscore(person, '-inf', `(${oldest}`);
      extendExpiry(pipeline, person, expireAt);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
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

/** Expires the key at `at` unless it already lives longer: a short-lived code never cuts an index short. */
function extendExpiry(pipeline: ReturnType<Redis['pipeline']>, key: string, at: number): void {
  pipeline.pexpireat(key, at, 'GT'); // a key that already expires later keeps its time…
  pipeline.pexpireat(key, at, 'NX'); // …and one without an expiry gets this one (GT treats "none" as forever)
}

function flatten(entry: HookEntry): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = entry[field];
    if (value !== undefined) out[field] = String(value);
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
