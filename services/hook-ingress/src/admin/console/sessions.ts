import { createHash, randomBytes } from 'node:crypto';
import type { Keyspace } from '@byot/redis';
import type { Redis } from 'ioredis';
import { type Principal, principalSchema } from './principal.ts';

/**
 * Console sessions, kept in Redis (ADR 0016): the browser holds 32 random bytes, Redis holds — under the SHA-256
 * of them, so a copy of Redis gives no usable cookie — who signed in, the CSRF token and the absolute expiry.
 * The key's TTL is the idle timeout, renewed by each request, never past the absolute expiry; sign-out deletes it.
 */
export interface Session {
  principal: Principal;
  /** The synchronizer token every form of this session carries. */
  csrf: string;
  createdAt: number;
  expiresAt: number;
  /** Token sign-ins: the token's `credentialFingerprint`, checked on every request (a rotated token ends it). */
  credential?: string;
}

export interface SessionSettings {
  idleMs: number;
  maxMs: number;
}

type Keys = Pick<Keyspace, 'consoleSession'>;

const idDigest = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');
/** 32 random bytes, base64url: what a cookie value or a CSRF token is. */
export const randomToken = () => randomBytes(32).toString('base64url');
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export class SessionStore {
  readonly #redis: Redis;
  readonly #keys: Keys;
  readonly #settings: SessionSettings;
  readonly #now: () => number;

  constructor(redis: Redis, keys: Keys, settings: SessionSettings, now: () => number = Date.now) {
    this.#redis = redis;
    this.#keys = keys;
    this.#settings = settings;
    this.#now = now;
  }

  get settings(): SessionSettings {
    return this.#settings;
  }

  /** A new session (always a new id: signing in never reuses one). Returns the cookie value. */
  async create(principal: Principal, credential?: string): Promise<{ id: string; session: Session }> {
    const id = randomToken();
    const now = this.#now();
    const session: Session = {
      principal,
      csrf: randomToken(),
      createdAt: now,
      expiresAt: now + this.#settings.maxMs,
      ...(credential === undefined ? {} : { credential }),
    };
    await this.#redis.set(
      this.#keys.consoleSession(idDigest(id)),
      JSON.stringify(session),
      'PX',
      this.#ttl(session),
    );
    return { id, session };
  }

  /** The live session for a cookie value, its idle timer renewed; undefined when absent, expired or malformed. */
  async touch(id: string | undefined): Promise<Session | undefined> {
    if (!id || !TOKEN_SHAPE.test(id)) return undefined;
    const key = this.#keys.consoleSession(idDigest(id));
    const raw = await this.#redis.get(key);
    if (!raw) return undefined;
    const session = parseSession(raw);
    const ttl = session ? this.#ttl(session) : 0;
    if (!session || ttl <= 0) {
      await this.#redis.del(key);
      return undefined;
    }
    await this.#redis.pexpire(key, ttl);
    return session;
  }

  async destroy(id: string | undefined): Promise<void> {
    if (!id || !TOKEN_SHAPE.test(id)) return;
    await this.#redis.del(this.#keys.consoleSession(idDigest(id)));
  }

  #ttl(session: Session): number {
    return Math.min(this.#settings.idleMs, session.expiresAt - this.#now());
  }
}

function parseSession(raw: string): Session | undefined {
  try {
    const value = JSON.parse(raw) as Partial<Session>;
    const principal = principalSchema.safeParse(value.principal);
    if (!principal.success || typeof value.csrf !== 'string') return undefined;
    if (typeof value.createdAt !== 'number' || typeof value.expiresAt !== 'number') return undefined;
    if (value.credential !== undefined && typeof value.credential !== 'string') return undefined;
    return {
      principal: principal.data,
      csrf: value.csrf,
      createdAt: value.createdAt,
      expiresAt: value.expiresAt,
      ...(value.credential === undefined ? {} : { credential: value.credential }),
    };
  } catch {
    return undefined;
  }
}
