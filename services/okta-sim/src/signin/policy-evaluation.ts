import { enrollmentOf } from '../api/authenticators.ts';
import type { Org } from '../org/org.ts';
import type { NetworkZone, Policy, PolicyRule, User } from '../org/types.ts';

/** Where a sign-in comes from: what network-zone conditions look at. */
export interface RequestContext {
  /** IPv4 address of the browser. Default 127.0.0.1. */
  ipAddress: string;
  /** ISO 3166-1 alpha-2 country the address is in (the simulator cannot geolocate: the sandbox says it). */
  country?: string;
}

interface PeopleCondition {
  people?: { groups?: { include?: string[]; exclude?: string[] } };
  network?: { connection?: string; include?: string[]; exclude?: string[] };
}

function matchesPeople(org: Org, user: User, conditions: unknown): boolean {
  const groups = (conditions as PeopleCondition | null)?.people?.groups;
  if (!groups) return true;
  const mine = new Set(org.groupsOf(user.id).map((g) => g.id));
  if ((groups.exclude ?? []).some((id) => mine.has(id))) return false;
  const include = groups.include ?? [];
  return include.length === 0 || include.some((id) => mine.has(id));
}

function ipToNumber(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

function inAddress(ip: number, entry: { type: string; value: string }): boolean {
  if (entry.type === 'CIDR') {
    const [base, bits] = entry.value.split('/');
    const start = ipToNumber(base ?? '');
    const size = 2 ** (32 - Number(bits));
    return start !== undefined && ip >= start - (start % size) && ip < start - (start % size) + size;
  }
  const [from, to] = entry.value.split('-');
  const low = ipToNumber(from ?? '');
  const high = ipToNumber(to ?? from ?? '');
  return low !== undefined && high !== undefined && ip >= low && ip <= high;
}

export function inZone(zone: NetworkZone, context: RequestContext): boolean {
  if (zone.status !== 'ACTIVE') return false;
  if (zone.type === 'DYNAMIC') {
    return context.country !== undefined && (zone.locations ?? []).some((l) => l.country === context.country);
  }
  const ip = ipToNumber(context.ipAddress);
  return ip !== undefined && (zone.gateways ?? []).some((g) => inAddress(ip, g));
}

function matchesNetwork(org: Org, conditions: unknown, context: RequestContext): boolean {
  const network = (conditions as PeopleCondition | null)?.network;
  if (network?.connection !== 'ZONE') return true;
  const zone = (id: string) => org.zones.get(id);
  if ((network.exclude ?? []).some((id) => zone(id) && inZone(zone(id) as NetworkZone, context)))
    return false;
  const include = network.include ?? [];
  return include.length === 0 || include.some((id) => zone(id) && inZone(zone(id) as NetworkZone, context));
}

/** A policy's first active rule, by priority, whose people and network conditions match. */
function firstMatchingRule(
  org: Org,
  policy: Policy,
  user: User,
  context: RequestContext,
): PolicyRule | undefined {
  return org
    .rulesOf(policy.id)
    .find(
      (r) =>
        r.status === 'ACTIVE' &&
        matchesPeople(org, user, r.conditions) &&
        matchesNetwork(org, r.conditions, context),
    );
}

export interface EnrollmentDecision {
  policy: Policy;
  rule?: PolicyRule;
  /** REQUIRED, OPTIONAL or NOT_ALLOWED for the phone authenticator. */
  phone: string;
  /** The rule's enroll.self (CHALLENGE, LOGIN, NEVER), when one matched. */
  action?: string;
}

/**
 * Okta's authenticator enrollment policies: the first active policy (by priority) whose people condition
 * matches the user, then its first active rule (by priority) whose network condition matches; the policy says
 * what it asks of the phone authenticator, the rule whether enrollment is asked at all.
 */
export function enrollmentDecision(
  org: Org,
  user: User,
  context: RequestContext,
): EnrollmentDecision | undefined {
  for (const policy of org.policiesOf('MFA_ENROLL')) {
    if (policy.status !== 'ACTIVE' || !matchesPeople(org, user, policy.conditions)) continue;
    const rule = firstMatchingRule(org, policy, user, context);
    if (!rule) continue;
    return {
      policy,
      rule,
      phone: enrollmentOf(policy.settings, 'phone_number') ?? 'NOT_ALLOWED',
      action: (rule.actions as { enroll?: { self?: string } }).enroll?.self,
    };
  }
  return undefined;
}

export interface SignOnDecision {
  policy: Policy;
  rule: PolicyRule;
  access: 'ALLOW' | 'DENY';
  /** The phone method the rule asks for: sms or voice; null when it asks for no phone factor. */
  phoneMethod: 'sms' | 'voice' | 'any' | null;
}

/**
 * The authentication policy of the sandbox's app (the org's default one): its first active rule, by priority,
 * whose people and network conditions match. A rule asks for the phone when a possession constraint names the
 * phone authenticator, or when it wants two factors and the phone is the user's second one.
 */
export function signOnDecision(org: Org, user: User, context: RequestContext): SignOnDecision | undefined {
  const policy = org.policiesOf('ACCESS_POLICY').find((p) => p.system) ?? org.policiesOf('ACCESS_POLICY')[0];
  if (!policy) return undefined;
  const rule = firstMatchingRule(org, policy, user, context);
  if (!rule) return undefined;
  const appSignOn = (
    rule.actions as {
      appSignOn?: {
        access?: string;
        verificationMethod?: {
          factorMode?: string;
          constraints?: { possession?: { authenticationMethods?: { key: string; method?: string }[] } }[];
        };
      };
    }
  ).appSignOn;
  const methods = (appSignOn?.verificationMethod?.constraints ?? []).flatMap(
    (c) => c.possession?.authenticationMethods ?? [],
  );
  const phone = methods.find((m) => m.key === 'phone_number');
  let phoneMethod: SignOnDecision['phoneMethod'] = null;
  if (phone) phoneMethod = phone.method === 'voice' ? 'voice' : phone.method === 'sms' ? 'sms' : 'any';
  else if (appSignOn?.verificationMethod?.factorMode === '2FA' && methods.length === 0) phoneMethod = 'any';
  return { policy, rule, access: appSignOn?.access === 'DENY' ? 'DENY' : 'ALLOW', phoneMethod };
}
