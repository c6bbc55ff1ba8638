import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

/**
 * Keys of the support console's search index — "find this person's codes" — that never hold what was searched
 * for: HMAC-SHA256 of the tenant, the kind and the value, under a key derived (HKDF) from DATA_ENCRYPTION_KEY for
 * this purpose only. Someone reading Redis sees digests; without the key a login cannot be tested against them, and
 * the same login in two tenants gives two unrelated digests. Computed where the plain value is (hook-ingress, at
 * the hook; the console, at the search); only the digest is written.
 *
 * After a key rotation the digests written under DATA_ENCRYPTION_KEY_PREVIOUS are still searched (`searchDigests`),
 * until the records they point to have expired.
 */
export type PersonKey = 'login' | 'userId' | 'last4';

export interface PersonDigests {
  login?: string;
  userId?: string;
  /** The last four digits of the number (E.164), for "the number ending 0143" within a tenant. */
  last4?: string;
}

const INFO = 'byot console person index v1';

export class PersonIndexer {
  readonly #keys: KeyObject[];

  /** `keys[0]` writes; every key is searched. Each is a 32-byte data key (the index key is derived from it). */
  constructor(dataKeys: Buffer[]) {
    if (dataKeys.length === 0) throw new Error('a person index needs a key');
    // KeyObjects built once: given raw bytes, every createHmac prepares the key itself (≈ 10 µs each, three
    // digests per hook), which is most of what a digest costs.
    this.#keys = dataKeys.map((k) =>
      createSecretKey(Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), INFO, 32))),
    );
  }

  /** What to store for one hook: a digest per searchable value present. */
  digests(tenant: string, person: { login?: string; userId?: string; phoneE164?: string }): PersonDigests {
    const key = this.#keys[0] as KeyObject;
    const out: PersonDigests = {};
    for (const kind of ['login', 'userId', 'last4'] as const) {
      const value = normalise(kind, kind === 'last4' ? person.phoneE164 : person[kind]);
      if (value !== undefined) out[kind] = digest(key, tenant, kind, value);
    }
    return out;
  }

  /** The digests to look up for a search (one per key in use), or none when the value cannot match anything. */
  searchDigests(tenant: string, kind: PersonKey, value: string): string[] {
    const normalised = normalise(kind, value);
    if (normalised === undefined) return [];
    return this.#keys.map((key) => digest(key, tenant, kind, normalised));
  }
}

/**
 * Okta logins compare case-insensitively; user ids are exact; a number contributes its last four digits (a
 * search gives exactly four).
 */
export function normalise(kind: PersonKey, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 512) return undefined;
  if (kind === 'login') return trimmed.toLowerCase();
  if (kind === 'userId') return trimmed;
  const digits = trimmed.replace(/\D/g, '');
  return digits.length >= 4 ? digits.slice(-4) : undefined;
}

function digest(key: KeyObject, tenant: string, kind: PersonKey, value: string): string {
  // NUL-separated: no tenant/kind/value combination can collide with another.
  return createHmac('sha256', key).update(`${tenant}\0${kind}\0${value}`, 'utf8').digest('base64url');
}

/** The indexer a service runs with, from DATA_ENCRYPTION_KEY (and DATA_ENCRYPTION_KEY_PREVIOUS). */
export function personIndexerFromConfig(
  config: { DATA_ENCRYPTION_KEY: string; DATA_ENCRYPTION_KEY_PREVIOUS?: string | undefined },
  decode: (value: string) => Buffer | undefined,
): PersonIndexer {
  const keys = [config.DATA_ENCRYPTION_KEY, config.DATA_ENCRYPTION_KEY_PREVIOUS]
    .filter((v): v is string => v !== undefined)
    .map((v) => {
      const bytes = decode(v);
      if (!bytes) throw new Error('an encryption key is not 32 bytes of base64 or hex');
      return bytes;
    });
  return new PersonIndexer(keys);
}
