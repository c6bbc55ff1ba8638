import type { Redis } from 'ioredis';

/**
 * Fair share between tenants on one BullMQ queue (ADR 0012). Open-source BullMQ has no groups, but it has job
 * priorities (1 … 2^21-1, lower first; equal priorities FIFO). A send job's priority is its rank in its own
 * tenant's waiting line: the tenant's first waiting code gets 1, its second 2, and so on. A tenant with nothing
 * waiting jumps straight to the front, whatever another tenant has queued; two busy tenants interleave (each one's
 * first, then each one's second, …). Within one tenant the order stays close to first-in, first-out.
 *
 * The waiting line is a sorted set per queue and tenant: member = job id, score = the code's expiry. A job joins
 * at enqueue (`admit`, one Lua call, atomic) and leaves when a worker starts it (`leave`, idempotent). Nothing can
 * drift for long: a member whose `leave` was lost (a crash between pickup and the call) is trimmed once its code
 * expires, because the score is that expiry; the set itself expires with its longest-lived member.
 *
 * Priorities decide the order, not how much of the machine a tenant's burst takes: 2 000 codes at once still
 * keep every worker slot and core busy, and the quiet tenant's code waits for CPU rather than for the queue. So a
 * tenant also has a **send pace** (ADR 0023): at most `perSecond` codes a second after a `burst` at once, counted
 * in Redis across every ingress (GCRA: one timestamp per queue and tenant, in the same script). A code beyond the
 * pace is not refused: it gets the next free slot and is added as a delayed job that BullMQ releases at that time,
 * never later than `maxDelayMs` (so a pace can never cost a code its expiry).
 */
export interface FairShareKeys {
  /** The tenant's waiting line on one queue: a single key (one Redis Cluster slot), namespaced by tenant. */
  fairShareBacklog(queue: string, tenant: string): string;
  /** The tenant's send pace on that queue (same slot as its waiting line). */
  fairSharePace(queue: string, tenant: string): string;
}

/** BullMQ's largest priority (lowest urgency); ranks beyond it share it. */
export const BULLMQ_MAX_PRIORITY = 2 ** 21 - 1;

export interface AdmitRequest {
  queue: string;
  tenant: string;
  jobId: string;
  /** Epoch ms after which the job is worthless (the OTP's expiry). */
  expiresAt: number;
  /** The tenant's send pace; absent: no pace (the code goes as soon as a worker is free). */
  pace?: SendPace;
}

export interface SendPace {
  /** Codes a second, sustained. */
  perSecond: number;
  /** Codes that may go at once before the pace applies. */
  burst: number;
  /** The longest a code may be held back, whatever the pace (the caller keeps it well inside the OTP's life). */
  maxDelayMs: number;
}

export interface Admission {
  /** The BullMQ priority to add the job with: its rank in its tenant's waiting line. */
  priority: number;
  /** How long BullMQ should hold the job before a worker may take it (0: at once). */
  delayMs: number;
}

/**
 * KEYS[1] waiting line, KEYS[2] pace; ARGV now, expiresAt, jobId, interval ms (0: no pace), burst, max delay ms.
 * Returns { the line's length with this job, the delay }. The pace is GCRA: KEYS[2] holds the theoretical arrival
 * time `tat`; a code may go at `tat - (burst - 1) * interval` (not before now) and moves `tat` on by one interval.
 * The pace runs on Redis's clock (TIME), not the caller's: every ingress shares one clock, and a command that
 * waited in a busy client's write queue is not judged by the moment it was built. A duplicate (the job already in
 * the line: Okta's retry of the same eventId) takes no second slot.
 */
const ADMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
local length = redis.call('ZCARD', KEYS[1])
local interval = tonumber(ARGV[4])
if interval <= 0 or added == 0 then return { length, 0 } end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), now)
local slot = math.max(now, tat - (tonumber(ARGV[5]) - 1) * interval)
local delay = math.min(slot - now, tonumber(ARGV[6]))
-- Kept a minute past its last slot: an expired pace and a past one mean the same (no debt).
redis.call('SET', KEYS[2], tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 60000)
return { length, math.floor(delay) }
`;

type Runner = (...args: Array<string | number>) => Promise<unknown>;

export class FairShare {
  readonly #redis: Redis;
  readonly #keys: FairShareKeys;
  readonly #admit: Runner;
  readonly #now: () => number;

  constructor(redis: Redis, keys: FairShareKeys, options: { now?: () => number } = {}) {
    this.#redis = redis;
    this.#keys = keys;
    this.#now = options.now ?? Date.now;
    redis.defineCommand('byotFairShareAdmit', { lua: ADMIT, numberOfKeys: 2 });
    const admit = (redis as unknown as Record<string, Runner>).byotFairShareAdmit;
    if (!admit) throw new Error('could not define Redis script byotFairShareAdmit');
    this.#admit = admit.bind(redis);
  }

  /**
   * Puts a job in its tenant's waiting line and, with a pace, takes its send slot: returns the BullMQ priority and
   * delay to add it with.
   */
  async admit(request: AdmitRequest): Promise<Admission> {
    const now = this.#now();
    const pace = request.pace;
    const interval = pace && pace.perSecond > 0 ? 1000 / pace.perSecond : 0;
    const [length, delay] = (await this.#admit(
      this.#keys.fairShareBacklog(request.queue, request.tenant),
      this.#keys.fairSharePace(request.queue, request.tenant),
      now,
      Math.max(request.expiresAt, now + 1),
      request.jobId,
      interval,
      Math.max(1, Math.floor(pace?.burst ?? 1)),
      Math.max(0, Math.floor(pace?.maxDelayMs ?? 0)),
    )) as [number, number];
    return {
      priority: Math.min(Math.max(Number(length), 1), BULLMQ_MAX_PRIORITY),
      delayMs: Math.max(0, Number(delay)),
    };
  }

  /** The job left the waiting line: a worker started it, or its add failed. Idempotent; safe to repeat. */
  async leave(queue: string, tenant: string, jobId: string): Promise<void> {
    await this.#redis.zrem(this.#keys.fairShareBacklog(queue, tenant), jobId);
  }

  /** How many of the tenant's jobs wait on the queue (expired ones not counted). */
  async backlog(queue: string, tenant: string): Promise<number> {
    return this.#redis.zcount(this.#keys.fairShareBacklog(queue, tenant), `(${this.#now()}`, '+inf');
  }
}

/**
 * A tenant's send pace: its own (`sendPace:` in the tenants file) or else the deployment's; the burst defaults to
 * a fifth of a second's worth. Undefined when the pace is off (0 codes a second). Why not a whole second's: the
 * drill measured the quiet tenant's slowest codes in the burst's first second, when 50 codes went at once and
 * their quick answers let the caller send more at the machine's speed before the pace held it (ADR 0023).
 */
export function sendPaceOf(
  own: { perSecond: number; burst?: number } | undefined,
  deployment: { perSecond: number; burst?: number },
): Omit<SendPace, 'maxDelayMs'> | undefined {
  const chosen = own ?? deployment;
  if (!(chosen.perSecond > 0)) return undefined;
  return { perSecond: chosen.perSecond, burst: chosen.burst ?? Math.max(1, Math.ceil(chosen.perSecond / 5)) };
}
