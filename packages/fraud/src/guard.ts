import { createSecretKey, type KeyObject } from 'node:crypto';
import type { Channel, OktaRequestType } from '@byot/contracts';
import { defineScript, type LuaScript } from '@byot/redis';
import type { Redis } from 'ioredis';
import {
  blockedType,
  countryAllowed,
  type Destination,
  isSafe,
  prefixLabel,
  prefixOf,
  rangeLabel,
  rangeOf,
} from './destination.ts';
import { TenantKeys } from './keys.ts';
import { type AnomalyScope, type FraudPolicy, type LimitRule, limitsFor } from './policy.ts';
import { type BlockRule, blockDescription } from './rules.ts';
import { EVALUATE } from './script.ts';

/** What the controls need to know of one hook (no code, no message text). */
export interface FraudRequest {
  tenantId: string;
  eventId: string;
  requestType: OktaRequestType;
  channel: Channel;
  phoneE164: string;
  phoneMasked: string;
  phoneCountry: string | undefined;
  phoneType: string | undefined;
  /** Okta's user id (data.userProfile.userId); without it the per-user limits do not apply. */
  userId: string | undefined;
  otpExpiresAt: number;
}

export type FraudVerdict =
  | {
      allowed: true;
      /** checked: every control passed; safe-list: limits and holds skipped; duplicate: this eventId already passed. */
      via: 'checked' | 'safe-list' | 'duplicate';
    }
  | Refusal;

export interface Refusal {
  allowed: false;
  rule: BlockRule;
  /** What Okta is told: "blocked: per-number limit". Names the rule, never the number. */
  description: string;
  /** For a limit: when the oldest counted code leaves its window. */
  retryAfterMs?: number;
  /** For a hold: which, and until when. */
  holdId?: string;
  holdUntil?: number;
  /** Set when this very code started the hold (alert and count it once). */
  holdStarted?: HoldStarted;
}

export interface HoldStarted {
  id: string;
  tenantId: string;
  scope: AnomalyScope;
  /** The destination as operators see it: "GB", "+4474001234•••". */
  label: string;
  since: number;
  until: number;
  /** Codes in the last window (sliding count), and the baseline they were measured against. */
  volume: number;
  baseline: number;
}

export interface FraudGuardOptions {
  redis: Redis;
  /** `<REDIS_KEY_PREFIX>:fraud`, from the keyspace; each tenant's keys go under `{tenant}` inside it. */
  keyPrefix: (tenantId: string) => string;
  /** Keys the hashes that stand in for numbers and user ids in Redis keys (derive it; never the sealing key). */
  subjectKey: Buffer;
}

/** How long refusals stay listed as "busiest limited keys" (this hour and the last). */
const REFUSALS_TTL_MS = 2 * 3_600_000;
/**
 * Limits up to this many codes keep an exact log (a packed string of at most this many times, ~1.4 KB, read and
 * rewritten whole by each code); larger ones a sliding-window counter (script.ts).
 */
export const EXACT_LOG_MAX = 100;

type Reply = (string | number)[];

/** The evaluation script's argument table (script.ts). */
interface EvaluateArgs {
  now: number;
  eventId: string;
  markerTtl: number;
  refusalsTtl: number;
  limits: { mode: 'log' | 'count'; max: number; windowMs: number; rule: LimitRule; tag: string }[];
  anomaly:
    | {
        factor: number;
        minCodes: number;
        windowMs: number;
        learningMs: number;
        holdMs: number;
        alpha: number;
        stateTtl: number;
        hotCodes: number;
      }
    | undefined;
  scopes: { scope: AnomalyScope; label: string; holdId: string }[];
  /** How long a number stays known (0: off), and whether this code makes it known. */
  knownTtl: number;
  markKnown: boolean;
}

/**
 * The fraud controls of the hook path, shared by every replica through Redis. Destination rules (country, number
 * type) are decided in process; everything with a counter in one script call (see script.ts). A Redis failure
 * rejects: the caller answers Okta "fall back" — the controls never fail open silently.
 */
export class FraudGuard {
  readonly #evaluate: LuaScript<EvaluateArgs, Reply>;
  readonly #options: FraudGuardOptions;
  readonly #subjectKey: KeyObject;
  readonly #tenants = new Map<string, TenantKeys>();

  constructor(options: FraudGuardOptions) {
    this.#options = options;
    this.#subjectKey = createSecretKey(options.subjectKey);
    this.#evaluate = defineScript<EvaluateArgs, Reply>(options.redis, 'byotFraudEvaluate', EVALUATE);
  }

  /** The keys of one tenant (cached: the hook path builds none per call). */
  keys(tenantId: string): TenantKeys {
    let keys = this.#tenants.get(tenantId);
    if (!keys) {
      keys = new TenantKeys(this.#options.keyPrefix(tenantId), tenantId, this.#subjectKey);
      this.#tenants.set(tenantId, keys);
    }
    return keys;
  }

  /**
   * Decides one hook. `now` is for tests (a clock they control); production leaves it to Redis' clock, one for
   * every replica.
   */
  async check(
    policy: FraudPolicy,
    request: FraudRequest,
    options: { now?: number } = {},
  ): Promise<FraudVerdict> {
    const destination: Destination = {
      e164: request.phoneE164,
      country: request.phoneCountry,
      type: request.phoneType,
      channel: request.channel,
    };
    if (!countryAllowed(policy, destination)) return refusal('country');
    const type = blockedType(policy, destination);
    if (type) return refusal('number-type', type);
    if (isSafe(policy, request.phoneE164)) return { allowed: true, via: 'safe-list' };

    const keys = this.keys(request.tenantId);
    const plan = this.#plan(policy, request, keys);
    const watching = policy.anomalyHold.size > 0;
    if (plan.limits.length === 0 && !watching) return { allowed: true, via: 'checked' };
    const hour = Math.floor((options.now ?? Date.now()) / 3_600_000);
    const keyList = [
      keys.refusedEvent(request.eventId),
      keys.holdIndex,
      keys.refusals(hour),
      keys.watchingSince,
      ...plan.limits.map((l) => l.key),
      ...plan.scopes.flatMap((s) => [s.volumeKey, s.holdKey, s.liftedKey]),
      keys.known(plan.numberId()),
    ];
    const knownTtl = policy.anomalyHoldKnownNumbersMs ?? 0;
    const reply = await this.#evaluate(keyList, {
      now: options.now ?? 0,
      eventId: request.eventId,
      // A refused eventId stays refused while its code could still be used.
      markerTtl: Math.max(60_000, Math.min(request.otpExpiresAt - Date.now(), 3_600_000)),
      refusalsTtl: REFUSALS_TTL_MS,
      limits: plan.limits.map(({ mode, max, windowMs, rule, tag }) => ({ mode, max, windowMs, rule, tag })),
      // Sent whenever the detector is on, so that any hook of the tenant starts its learning clock.
      anomaly: !watching
        ? undefined
        : {
            factor: policy.anomalyHoldFactor,
            minCodes: policy.anomalyHoldMinCodes,
            windowMs: policy.anomalyHoldWindowMs,
            learningMs: policy.anomalyHoldBaselineMs,
            holdMs: policy.anomalyHoldDurationMs,
            alpha: ewmaAlpha(policy),
            // The detector's state outlives two baselines of silence, then a destination is new again.
            stateTtl: 2 * policy.anomalyHoldBaselineMs,
            hotCodes: hotRangeCodes(policy),
          },
      scopes: plan.scopes.map(({ scope, label, holdId }) => ({ scope, label, holdId })),
      knownTtl,
      // Sign-in, unlock and reset codes go to numbers Okta has on file: those make a number known. An enrollment
      // code never does (the number is the requester's choice: a pumped number that slipped through must not).
      markKnown: watching && knownTtl > 0 && request.requestType !== ENROLLMENT,
    });
    return verdictOf(reply, request.tenantId, plan);
  }

  #plan(policy: FraudPolicy, request: FraudRequest, keys: TenantKeys): Plan {
    const prefix = prefixOf(request.phoneE164);
    const range = rangeOf(request.phoneE164);
    const country = request.phoneCountry ?? 'INTL';
    type SubjectName = 'number' | 'user' | 'prefix' | 'range' | 'country' | 'tenant';
    type Subject = { id: string; label: string } | undefined;
    // Each subject's keyed hash is computed when a limit or a hold needs it, once: a policy with those controls
    // off computes none (an HMAC each, ≈ 20 µs of the hook's CPU).
    const made = new Map<SubjectName, Subject>();
    const make = (name: SubjectName): Subject => {
      switch (name) {
        case 'number':
          return { id: keys.subject('number', request.phoneE164), label: request.phoneMasked };
        case 'user':
          return request.userId === undefined
            ? undefined
            : { id: keys.subject('user', request.userId), label: `user ${userLabel(request.userId)}` };
        case 'prefix':
          return { id: keys.subject('prefix', prefix), label: prefixLabel(prefix) };
        case 'range':
          return { id: keys.subject('range', range), label: rangeLabel(range) };
        case 'country':
          return { id: country, label: country };
        case 'tenant':
          return { id: 'all', label: 'all codes' };
      }
    };
    const subjectFor = (name: SubjectName): Subject => {
      if (!made.has(name)) made.set(name, make(name));
      return made.get(name);
    };
    const limits = limitsFor(policy, request.requestType).flatMap(({ rule, limit }) => {
      const subject = subjectFor(subjectOf(rule));
      if (!subject) return [];
      const mode = limitMode(limit.max);
      return [
        {
          rule,
          mode,
          key: mode === 'log' ? keys.limit(rule, subject.id) : keys.counter(rule, subject.id),
          max: limit.max,
          windowMs: limit.windowMs,
          tag: `${rule}|${subject.id}|${subject.label}`,
        },
      ];
    });
    const watched = policy.anomalyHold.size > 0 && policy.anomalyHoldRequestTypes.has(request.requestType);
    // Narrowest first: a prefix or range hold says more than a country hold, and costs the country's other people
    // nothing.
    const scopes = watched
      ? (['prefix', 'range', 'country'] as const)
          .filter((scope) => policy.anomalyHold.has(scope))
          .map((scope) => {
            const subject = subjectFor(scope) as { id: string; label: string };
            return {
              scope,
              label: subject.label,
              holdId: `${request.tenantId}.hold.${scope}.${subject.id}`,
              volumeKey: keys.volume(scope, subject.id),
              holdKey: keys.hold(scope, subject.id),
              liftedKey: keys.lifted(scope, subject.id),
            };
          })
      : [];
    return { limits, scopes, numberId: () => subjectFor('number')?.id as string };
  }
}

/** How a limit of this size is counted: an exact log, or a sliding-window counter for large ones. */
export function limitMode(max: number): 'log' | 'count' {
  return max <= EXACT_LOG_MAX ? 'log' : 'count';
}

const ENROLLMENT: OktaRequestType = 'com.okta.user.telephony.pre-enrollment';

interface Plan {
  /** The number's opaque subject id (its known marker), computed only when the controls have work. */
  numberId: () => string;
  limits: {
    rule: LimitRule;
    mode: 'log' | 'count';
    key: string;
    max: number;
    windowMs: number;
    tag: string;
  }[];
  scopes: {
    scope: AnomalyScope;
    label: string;
    holdId: string;
    volumeKey: string;
    holdKey: string;
    liftedKey: string;
  }[];
}

/** Which subject a limit counts by. */
export function subjectOf(rule: LimitRule): 'number' | 'user' | 'prefix' | 'country' | 'tenant' {
  const base = rule.replace(/^enroll-/, '');
  return base === 'tenant'
    ? 'tenant'
    : (base.slice('per-'.length) as 'number' | 'user' | 'prefix' | 'country');
}

/** Okta user ids are [A-Za-z0-9]{20}; anything else is cut to a safe, bounded label. */
function userLabel(userId: string): string {
  return userId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40) || '(unnamed)';
}

/**
 * How many codes in one window make a range hot while its country is anomalous: a quarter of
 * ANOMALY_HOLD_MIN_CODES (5 of the default 20), and never fewer than the enrollment per-number limit allows one
 * number plus one, so that one person re-sending their own code cannot heat their range.
 */
export function hotRangeCodes(policy: FraudPolicy): number {
  const perNumber = policy.limitEnrollPerNumber?.max ?? policy.limitPerNumber?.max ?? 1;
  return Math.max(
    2,
    Math.ceil(policy.anomalyHoldMinCodes / 4),
    Math.min(perNumber + 1, policy.anomalyHoldMinCodes),
  );
}

/** The EWMA weight whose memory is the baseline period: α = 2 / (N + 1), N = baseline / window. */
export function ewmaAlpha(policy: FraudPolicy): number {
  const windows = Math.max(2, policy.anomalyHoldBaselineMs / policy.anomalyHoldWindowMs);
  return 2 / (windows + 1);
}

function refusal(rule: BlockRule, detail?: string): Refusal {
  return { allowed: false, rule, description: blockDescription(rule, detail) };
}

function verdictOf(reply: Reply, tenantId: string, plan: Plan): FraudVerdict {
  const [kind] = reply;
  switch (kind) {
    case 'ok':
      return { allowed: true, via: 'checked' };
    case 'dup':
      return { allowed: true, via: 'duplicate' };
    case 'refused':
      return refusal(String(reply[1]) as BlockRule);
    case 'limit':
      return { ...refusal(String(reply[1]) as BlockRule), retryAfterMs: Math.max(0, Number(reply[3])) };
    case 'hold':
      return {
        ...refusal(`hold-${String(reply[1]) as AnomalyScope}`),
        holdId: String(reply[2]),
        holdUntil: Number(reply[3]),
      };
    case 'new-hold': {
      const scope = String(reply[1]) as AnomalyScope;
      const planned = plan.scopes.find((s) => s.scope === scope);
      const until = Number(reply[3]);
      return {
        ...refusal(`hold-${scope}`),
        holdId: String(reply[2]),
        holdUntil: until,
        holdStarted: {
          id: String(reply[2]),
          tenantId,
          scope,
          label: planned?.label ?? scope,
          since: Number(reply[6]),
          until,
          volume: Number(reply[4]),
          baseline: Number(reply[5]),
        },
      };
    }
    default:
      throw new Error(`unexpected reply from the fraud script: ${String(kind)}`);
  }
}
