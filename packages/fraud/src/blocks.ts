/**
 * What operators see and undo (GET /v1/blocks, DELETE /v1/blocks/{id}): the active holds, and the limited keys
 * that refused the most codes in the last hour or two. Every label is masked (a number shows as "+1•••••••12", a
 * prefix as its 1 000-block, a user by Okta id); ids carry the opaque subject hash, never the number.
 */
import { defineScript, type LuaScript } from '@byot/redis';
import type { Redis } from 'ioredis';
import { formatLimit } from './duration.ts';
import { limitMode } from './guard.ts';
import type { TenantKeys } from './keys.ts';
import {
  ANOMALY_SCOPES,
  type AnomalyScope,
  type FraudPolicy,
  LIMIT_RULES,
  type LimitRule,
  limitFor,
} from './policy.ts';
import type { BlockRule } from './rules.ts';
import { LIFT_HOLD } from './script.ts';

export interface HoldEntry {
  id: string;
  tenantId: string;
  kind: 'hold';
  rule: BlockRule;
  scope: AnomalyScope;
  label: string;
  since: string;
  until: string;
  /** Codes in the window that started it, and the baseline it was measured against. */
  volume: number;
  baseline: number;
  /** Codes refused by it so far (the first included). */
  refused: number;
}

export interface LimitEntry {
  id: string;
  tenantId: string;
  kind: 'limit';
  rule: LimitRule;
  label: string;
  /** The limit in force now ("5/15m", or "off" if it was turned off since). */
  limit: string;
  /** Codes counted in its window now. */
  inWindow: number;
  /** Codes it refused this hour and the last. */
  refused: number;
}

export type BlockEntry = HoldEntry | LimitEntry;

const BLOCK_ID = /^([a-z0-9][a-z0-9-]{0,39})\.(hold|limit)\.([a-z-]{1,24})\.([A-Za-z0-9_-]{1,40})$/;

export function parseBlockId(
  id: string,
):
  | { tenantId: string; kind: 'hold'; scope: AnomalyScope; subject: string }
  | { tenantId: string; kind: 'limit'; rule: LimitRule; subject: string }
  | undefined {
  const match = BLOCK_ID.exec(id);
  if (!match) return undefined;
  const [, tenantId, kind, what, subject] = match as unknown as [string, string, string, string, string];
  if (kind === 'hold' && (ANOMALY_SCOPES as readonly string[]).includes(what)) {
    return { tenantId, kind, scope: what as AnomalyScope, subject };
  }
  if (kind === 'limit' && (LIMIT_RULES as readonly string[]).includes(what)) {
    return { tenantId, kind, rule: what as LimitRule, subject };
  }
  return undefined;
}

export class FraudBlocks {
  readonly #redis: Redis;
  readonly #keys: (tenantId: string) => TenantKeys;
  readonly #liftHold: LuaScript<{ holdId: string; quietMs: number }, number>;

  constructor(redis: Redis, keys: (tenantId: string) => TenantKeys) {
    this.#redis = redis;
    this.#keys = keys;
    this.#liftHold = defineScript(redis, 'byotFraudLiftHold', LIFT_HOLD);
  }

  /** Active holds first (latest first), then up to `top` limited keys by refusals. */
  async list(tenantId: string, policy: FraudPolicy, now = Date.now(), top = 20): Promise<BlockEntry[]> {
    const keys = this.#keys(tenantId);
    const holdIds = await this.#redis.zrangebyscore(keys.holdIndex, now, '+inf');
    const holds: HoldEntry[] = [];
    if (holdIds.length > 0) {
      const pipeline = this.#redis.pipeline();
      const parsed = holdIds.map((id) => parseBlockId(id));
      for (const p of parsed) {
        if (p?.kind === 'hold') pipeline.hgetall(keys.hold(p.scope, p.subject));
        else pipeline.echo('');
      }
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, value], i) => {
        const p = parsed[i];
        const hash = value as Record<string, string> | string;
        if (error || p?.kind !== 'hold' || typeof hash !== 'object' || !hash.until) return;
        holds.push({
          id: holdIds[i] as string,
          tenantId,
          kind: 'hold',
          rule: `hold-${p.scope}`,
          scope: p.scope,
          label: hash.label ?? p.scope,
          since: new Date(Number(hash.since)).toISOString(),
          until: new Date(Number(hash.until)).toISOString(),
          volume: Number(hash.volume),
          baseline: Number(hash.baseline),
          refused: Number(hash.refused ?? 0),
        });
      });
      holds.sort((a, b) => b.since.localeCompare(a.since));
    }

    const hour = Math.floor(now / 3_600_000);
    const [current, previous] = await Promise.all(
      [hour, hour - 1].map((h) => this.#redis.zrevrange(keys.refusals(h), 0, 99, 'WITHSCORES')),
    );
    const refusals = new Map<string, number>();
    for (const reply of [current ?? [], previous ?? []]) {
      for (let i = 0; i + 1 < reply.length; i += 2) {
        const tag = reply[i] as string;
        refusals.set(tag, (refusals.get(tag) ?? 0) + Number(reply[i + 1]));
      }
    }
    const busiest = [...refusals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
    const limits: LimitEntry[] = [];
    if (busiest.length > 0) {
      const pipeline = this.#redis.pipeline();
      const entries = busiest.flatMap(([tag, refused]) => {
        const [rule, subject, ...label] = tag.split('|');
        if (!(LIMIT_RULES as readonly string[]).includes(rule ?? '') || !subject) return [];
        const limit = limitFor(policy, rule as LimitRule);
        const counted = limit !== null && limitMode(limit.max) === 'count';
        pipeline.get(counted ? keys.counter(rule as string, subject) : keys.limit(rule as string, subject));
        return [{ rule: rule as LimitRule, subject, label: label.join('|'), refused, limit, counted }];
      });
      const counts = (await pipeline.exec()) ?? [];
      entries.forEach((entry, i) => {
        limits.push({
          id: `${tenantId}.limit.${entry.rule}.${entry.subject}`,
          tenantId,
          kind: 'limit',
          rule: entry.rule,
          label: entry.label,
          limit: formatLimit(entry.limit),
          inWindow: counts[i]?.[0] ? 0 : inWindow(counts[i]?.[1], entry.limit, entry.counted, now),
          refused: entry.refused,
        });
      });
    }
    return [...holds, ...limits];
  }

  /**
   * Lifts a hold (and keeps the detector from holding the same destination again for one hold period: the
   * operator said the traffic is wanted), or resets a limited key's window. False when there was nothing to lift.
   */
  async lift(id: string, policy: FraudPolicy, now = Date.now()): Promise<boolean> {
    const parsed = parseBlockId(id);
    if (!parsed) return false;
    const keys = this.#keys(parsed.tenantId);
    if (parsed.kind === 'hold') {
      const existed = await this.#liftHold(
        [keys.hold(parsed.scope, parsed.subject), keys.lifted(parsed.scope, parsed.subject), keys.holdIndex],
        { holdId: id, quietMs: policy.anomalyHoldDurationMs },
      );
      return existed === 1;
    }
    const hour = Math.floor(now / 3_600_000);
    const removed = await this.#redis.del(
      keys.limit(parsed.rule, parsed.subject),
      keys.counter(parsed.rule, parsed.subject),
    );
    let untagged = 0;
    for (const h of [hour, hour - 1]) {
      const tags: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await this.#redis.zscan(
          keys.refusals(h),
          cursor,
          'MATCH',
          `${parsed.rule}|${parsed.subject}|*`,
          'COUNT',
          500,
        );
        cursor = next;
        tags.push(...found.filter((_, i) => i % 2 === 0));
      } while (cursor !== '0');
      if (tags.length > 0) untagged += await this.#redis.zrem(keys.refusals(h), ...tags);
    }
    return removed + untagged > 0;
  }
}

/** Codes in a limit's window now: a log's entries inside it, or a counter's estimate ("bucket:count:previous"). */
function inWindow(reply: unknown, limit: { windowMs: number } | null, counted: boolean, now: number): number {
  if (typeof reply !== 'string' || !limit) return 0;
  if (!counted) return reply.split(',').filter((t) => Number(t) > now - limit.windowMs).length;
  const [b, c, p] = reply.split(':').map(Number);
  if (b === undefined || Number.isNaN(b)) return 0;
  const bucket = Math.floor(now / limit.windowMs);
  const overlap = 1 - (now - bucket * limit.windowMs) / limit.windowMs;
  if (bucket === b) return Math.floor((c ?? 0) + (p ?? 0) * overlap);
  if (bucket === b + 1) return Math.floor((c ?? 0) * overlap);
  return 0;
}
