/**
 * The SMS-pumping drills' people: legitimate users across many allowed countries, and an attacker enrolling
 * numbers it chose. Plus what to judge of them, from ground truth only (what Okta was told, what reached a
 * provider). Pure: unit-tested in fraud.test.ts.
 */
import type { OktaRequestType } from '@byot/contracts';
import { spreadPhone } from '@byot/testkit';
import { digitsOf } from './metrics.ts';
import type { HookRecord, ProviderDelivery } from './types.ts';

/** Who sends a hook: its number, its Okta user, its request type. */
export interface Person {
  phoneNumber: string;
  country: string;
  userId: string;
  requestType: OktaRequestType;
}

/** The countries legitimate traffic goes to: the drills' ALLOWED_COUNTRIES. */
export const LEGIT_COUNTRIES = ['US', 'CA', 'GB', 'DE', 'ES', 'IE', 'MX'] as const;

/**
 * The hook-ingress settings of a drill run: the production defaults, an explicit country list, and the anomaly
 * detector on a scaled clock (seconds instead of minutes and hours) so that learning, baseline and holds fit in a
 * drill. Its thresholds stay the issue's: 10× the baseline and 20 codes.
 */
export function drillFraudEnv(quick: boolean): Record<string, string> {
  return {
    ALLOWED_COUNTRIES: LEGIT_COUNTRIES.join(','),
    ANOMALY_HOLD_WINDOW: quick ? '5s' : '10s',
    ANOMALY_HOLD_BASELINE: quick ? '20s' : '60s',
    // Outlasts the attack; the runner lifts every hold before the next drill (as an operator would).
    ANOMALY_HOLD_DURATION: '10m',
  };
}

const REQUEST_MIX: readonly [number, OktaRequestType][] = [
  [80, 'com.okta.user.telephony.mfa-verification'],
  [10, 'com.okta.user.telephony.pre-enrollment'],
  [5, 'com.okta.user.telephony.account-unlock'],
  [5, 'com.okta.user.telephony.password-reset'],
];

/** A 32-bit integer hash (a bijection; the murmur3 finaliser's constants): random-looking, repeatable. */
function mix(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A random-looking bijection of [0, 1 000 000) keyed by `seed`: a 4-round Feistel network on two 3-digit halves.
 * People get random numbers, yet no two people of a run the same one (the drills tie provider records to hooks by
 * the number).
 */
export function shuffleIndex(k: number, seed: number): number {
  let left = Math.floor(k / 1000) % 1000;
  let right = k % 1000;
  for (let round = 0; round < 4; round++) {
    const next = (left + (mix(right ^ mix(seed * 4 + round)) % 1000)) % 1000;
    left = right;
    right = next;
  }
  return left * 1000 + right;
}

/**
 * Legitimate traffic: the i-th hook goes to one of LEGIT_COUNTRIES in turn, to a random number of that country's
 * mobile ranges (a person of its own: random, so people's numbers share no order or block with one another or
 * with the attack's, and unique within the run), from a user of its own; 80 % sign-ins, 10 % enrollments,
 * 5 % unlocks, 5 % resets. Among them new people enroll in the attacked country (GB) all through the attack.
 */
export function legitPerson(i: number, offset: number): Person {
  const country = LEGIT_COUNTRIES[i % LEGIT_COUNTRIES.length] as string;
  const slot = i % 20;
  let acc = 0;
  const requestType = REQUEST_MIX.find(([share]) => {
    acc += share / 5;
    return slot < acc;
  })?.[1] as OktaRequestType;
  return {
    phoneNumber: spreadPhone(country, shuffleIndex(Math.floor(i / LEGIT_COUNTRIES.length), offset)),
    country,
    userId: `00uLegit${(offset + i).toString(36)}`,
    requestType,
  };
}

/** GB's premium-rate ranges (libphonenumber: PREMIUM_RATE): the toll-fraud half of the first attack. */
const PREMIUM = ['+44871', '+44909'];
/** A high-cost destination outside the allow list. */
const OFF_LIST = '+99890';

/**
 * Attack 1: pre-enrollment to sequential numbers of one 1 000-block of an allowed country (GB mobile), mixed
 * with premium-rate numbers and an off-list country; a fresh attacker account every 3 hooks (self-service
 * registration), so the per-user limits do not catch it on their own.
 */
export function pumpingPerson(i: number, block: string): Person {
  const user = `00uPump${Math.floor(i / 3).toString(36)}`;
  const enroll = 'com.okta.user.telephony.pre-enrollment' as const;
  if (i % 10 === 9) {
    return {
      phoneNumber: `${OFF_LIST}${String(1_000_000 + i).slice(-7)}`,
      country: 'UZ',
      userId: user,
      requestType: enroll,
    };
  }
  if (i % 3 === 2) {
    const range = PREMIUM[i % PREMIUM.length] as string;
    return {
      phoneNumber: `${range}${String(1_000_000 + i).slice(-7)}`,
      country: 'GB',
      userId: user,
      requestType: enroll,
    };
  }
  return {
    phoneNumber: `${block}${String(i % 1000).padStart(3, '0')}`,
    country: 'GB',
    userId: user,
    requestType: enroll,
  };
}

/**
 * The number ranges (100 000 numbers each) the attacker of attack 2 rents: GB mobile ranges of one small
 * operator, apart from the four large ranges the drill's legitimate people are on. Pumping pays through the
 * terminating operator (or a party on its route), so its numbers sit in the ranges the fraudster has a deal on
 * (ADR 0015 "Anomaly hold").
 */
export const LEASED_RANGES = ['+4477123', '+4477456', '+4478861', '+4479552'] as const;

/**
 * Attack 2: pre-enrollment spread over many prefixes of one allowed country: 400 1 000-blocks in four leased
 * ranges, the ranges in turn and a different block each time, so that a block sees a code only every 400 codes and
 * no number, user or prefix limit is reached; a fresh account every 3 hooks.
 */
export function spreadPumpingPerson(i: number, offset: number): Person {
  const range = LEASED_RANGES[i % LEASED_RANGES.length] as string;
  const block = Math.floor(i / LEASED_RANGES.length) % 100;
  const within = (offset + Math.floor(i / (LEASED_RANGES.length * 100))) % 1000;
  return {
    phoneNumber: `${range}${String(block).padStart(2, '0')}${String(within).padStart(3, '0')}`,
    country: 'GB',
    userId: `00uSpread${offset.toString(36)}x${Math.floor(i / 3).toString(36)}`,
    requestType: 'com.okta.user.telephony.pre-enrollment',
  };
}

/** The attacker's 1 000-block in attack 1: GB mobile, apart from every range the legitimate traffic uses. */
export const PUMPED_BLOCK = '+447712555';

export interface FraudMetrics {
  /** Attack hooks sent, and how many of their numbers a provider accepted a code for. */
  attackSent: number;
  attackReachedProvider: number;
  /** Share of attack codes that never reached a provider. */
  attackBlockedPct: number;
  /** What refused the attack codes: the rule Okta was told (transactionMetadata), with counts. */
  attackRefusedBy: Record<string, number>;
  /** Attack hooks answered inside Okta's 3 s (any status). */
  attackInWindowPct: number;
  /** From the first attack hook sent to the first one a hold refused (ms); undefined: no hold refused any. */
  firstHoldMs?: number;
  /** Legitimate hooks answered FAILED, and of those the refusals by a hold on the attacked destination. */
  legitRefused: number;
  legitRefusedByHold: number;
  legitRefusedBy: Record<string, number>;
  /**
   * New people enrolling into the attacked country (the attack's most common) once the attack began — the ones a
   * country hold would refuse — and how many of them were refused.
   */
  legitEnrollAttacked: { country: string | undefined; sent: number; refused: number };
}

/** "blocked: per-prefix limit" → "per-prefix limit"; anything else stays as it came. */
function ruleOf(metadata: string | undefined): string {
  return (metadata ?? 'no metadata').replace(/^blocked: /, '');
}

export function fraudMetrics(
  legit: readonly HookRecord[],
  attack: readonly HookRecord[],
  deliveries: readonly ProviderDelivery[],
  windowMs: number,
): FraudMetrics {
  const delivered = new Set(deliveries.map((d) => digitsOf(d.to)));
  const reached = attack.filter((h) => delivered.has(digitsOf(h.phone))).length;
  const count = (hooks: readonly HookRecord[]) => {
    const by: Record<string, number> = {};
    for (const h of hooks) by[ruleOf(h.metadata)] = (by[ruleOf(h.metadata)] ?? 0) + 1;
    return by;
  };
  const refused = (hooks: readonly HookRecord[]) =>
    hooks.filter((h) => h.httpStatus === 200 && h.answer === 'FAILED');
  const legitRefused = refused(legit);
  const inWindow = attack.filter((h) => h.latencyMs !== undefined && h.latencyMs <= windowMs).length;
  const pct = (part: number, whole: number) => (whole === 0 ? 100 : Math.round((part / whole) * 1000) / 10);
  const start = Math.min(...attack.map((h) => h.sentAt));
  const held = refused(attack).filter((h) => /on hold/.test(h.metadata ?? ''));
  const firstHeld = held.length === 0 ? undefined : Math.min(...held.map((h) => h.sentAt));
  const countries: Record<string, number> = {};
  for (const h of attack) if (h.country) countries[h.country] = (countries[h.country] ?? 0) + 1;
  const attacked = Object.entries(countries).sort((x, y) => y[1] - x[1])[0]?.[0];
  const enrolling = legit.filter(
    (h) => h.country === attacked && h.requestType === 'enrollment' && h.sentAt >= start,
  );
  return {
    ...(firstHeld === undefined ? {} : { firstHoldMs: firstHeld - start }),
    legitEnrollAttacked: {
      country: attacked,
      sent: enrolling.length,
      refused: refused(enrolling).length,
    },
    attackSent: attack.length,
    attackReachedProvider: reached,
    attackBlockedPct: pct(attack.length - reached, attack.length),
    attackRefusedBy: count(refused(attack)),
    attackInWindowPct: pct(inWindow, attack.length),
    legitRefused: legitRefused.length,
    legitRefusedByHold: legitRefused.filter((h) => /on hold/.test(h.metadata ?? '')).length,
    legitRefusedBy: count(legitRefused),
  };
}
