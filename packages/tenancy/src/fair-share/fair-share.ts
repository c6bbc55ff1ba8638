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
 */
export interface FairShareKeys {
  /** The tenant's waiting line on one queue: a single key (one Redis Cluster slot), namespaced by tenant. */
  fairShareBacklog(queue: string, tenant: string): string;
}

/** BullMQ's largest priority (lowest urgency); ranks beyond it share it. */
export const BULLMQ_MAX_PRIORITY = 2 ** 21 - 1;

export interface AdmitRequest {
  queue: string;
  tenant: string;
  jobId: string;
  /** Epoch ms after which the job is worthless (the OTP's expiry). */
  expiresAt: number;
}

/** KEYS[1] waiting line; ARGV now, expiresAt, jobId. Returns the line's length, this job included. */
const ADMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return redis.call('ZCARD', KEYS[1])
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
    redis.defineCommand('byotFairShareAdmit', { lua: ADMIT, numberOfKeys: 1 });
    const admit = (redis as unknown as Record<string, Runner>).byotFairShareAdmit;
    if (!admit) throw new Error('could not define Redis script byotFairShareAdmit');
    this.#admit = admit.bind(redis);
  }

  /** Puts a job in its tenant's waiting line and returns the BullMQ priority to add it with. */
  async admit(request: AdmitRequest): Promise<number> {
    const now = this.#now();
    const length = Number(
      await this.#admit(
        this.#keys.fairShareBacklog(request.queue, request.tenant),
        now,
        Math.max(request.expiresAt, now + 1),
        request.jobId,
      ),
    );
    return Math.min(Math.max(length, 1), BULLMQ_MAX_PRIORITY);
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
