import { createHmac, type KeyObject } from 'node:crypto';

/** A tenant id (cross-cutting decision 1): what namespaces every key of a tenant. */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

export type SubjectKind = 'number' | 'user' | 'prefix' | 'range';

/**
 * The Redis keys of one tenant's controls, all under `<prefix>:fraud:{<tenant>}` so that one script touches one
 * Cluster slot, and every one of them expiring on its own.
 *
 * Numbers, prefixes and user ids never appear in a key: each is replaced by a keyed hash (HMAC-SHA-256 with a key
 * derived from DATA_ENCRYPTION_KEY, 96 bits), so Redis holds no phone number in the clear (brief: numbers at rest
 * are sealed) and nothing an attacker puts in a userId can shape a key (a `{` would move the Cluster slot).
 */
export class TenantKeys {
  readonly #base: string;
  readonly #subjectKey: KeyObject;
  readonly tenantId: string;

  /** @param subjectKey a KeyObject built once: createHmac with a raw Buffer builds one per call (~40 µs). */
  constructor(fraudPrefix: string, tenantId: string, subjectKey: KeyObject) {
    if (!TENANT_ID.test(tenantId))
      throw new Error(`not a tenant id: ${JSON.stringify(tenantId.slice(0, 40))}`);
    this.#base = fraudPrefix;
    this.tenantId = tenantId;
    this.#subjectKey = subjectKey;
  }

  /** The stable, opaque stand-in for a number, prefix, range or user id within this tenant. */
  subject(kind: SubjectKind, value: string): string {
    return createHmac('sha256', this.#subjectKey)
      .update(`${this.tenantId}\u0000${kind}\u0000${value}`)
      .digest('base64url')
      .slice(0, 16);
  }

  /** What this eventId got: 'ok' (passed) or the rule that refused it; a duplicate of the hook gets the same. */
  refusedEvent(eventId: string): string {
    return `${this.#base}:r:${eventId}`;
  }
  /** Active holds: ZSET of hold ids scored by when they end. */
  get holdIndex(): string {
    return `${this.#base}:holds`;
  }
  /** Refusals per limited key in one clock hour: ZSET of "rule|subject|label" scored by refusals. */
  refusals(hour: number): string {
    return `${this.#base}:refused:${hour}`;
  }
  /** When the anomaly detector started watching this tenant (its learning period runs from there). */
  get watchingSince(): string {
    return `${this.#base}:v:since`;
  }
  /**
   * A sliding-window log: one string, the times (ms) codes were let through, oldest first, comma-separated, at
   * most the limit's N of them. (`w:`: the ZSETs of `l:` before are left to expire.)
   */
  limit(rule: string, subject: string): string {
    return `${this.#base}:w:${rule}:${subject}`;
  }
  /** A large limit's sliding-window counter: one string "bucket:count:previous window's count" (`n:`, was `c:`). */
  counter(rule: string, subject: string): string {
    return `${this.#base}:n:${rule}:${subject}`;
  }
  /**
   * The anomaly detector's state of one destination, one string "bucket:count:previous:ewma:windows" (read with
   * one MGET for every scope). `v:`, not the hashes of `a:` before: a new key name restarts learning on upgrade
   * rather than reading an old hash as an empty history.
   */
  volume(scope: string, subject: string): string {
    return `${this.#base}:v:${scope}:${subject}`;
  }
  /** This number got a sign-in, unlock or reset code before: it passes anomaly holds (ANOMALY_HOLD_KNOWN_NUMBERS). */
  known(numberSubject: string): string {
    return `${this.#base}:k:${numberSubject}`;
  }
  hold(scope: string, subject: string): string {
    return `${this.#base}:h:${scope}:${subject}`;
  }
  /** An operator lifted this hold: no new hold on it until this expires. */
  lifted(scope: string, subject: string): string {
    return `${this.#base}:ok:${scope}:${subject}`;
  }
}
