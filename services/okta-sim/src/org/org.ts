import { oktaId } from '../lib/ids.ts';
import { isoNow } from '../lib/time.ts';
import type {
  Authenticator,
  Group,
  HookKey,
  HookSecret,
  InlineHook,
  NetworkZone,
  Policy,
  PolicyRule,
  TelephonyProvider,
  User,
} from './types.ts';

/** A user the simulator starts with (OKTA_SIM_USERS): people to sign in as, in the console's groups. */
export interface SeedUser {
  login: string;
  firstName?: string;
  lastName?: string;
  /** Group names; missing groups are created. */
  groups?: string[];
  /** An already enrolled phone (E.164), so the user can sign in with it at once. */
  phone?: string;
}

/**
 * The support console's default groups (hook-ingress CONSOLE_OIDC_OPERATOR_GROUP / _VIEWER_GROUP_PREFIX):
 * `byot-operators` is an MSP operator, `byot-viewers-default` a read-only viewer of the tenant `default` (the
 * sandbox's single org). These are the people testkit's sandboxConsoleOidc describes.
 */
export const DEFAULT_SEED_USERS: readonly SeedUser[] = [
  { login: 'operator@example.com', firstName: 'Olivia', lastName: 'Operator', groups: ['byot-operators'] },
  { login: 'viewer@example.com', firstName: 'Victor', lastName: 'Viewer', groups: ['byot-viewers-default'] },
];

/**
 * The state of one Okta org, in memory. Insertion order is creation order, which is the order Okta lists
 * most objects in (and what pagination cursors walk).
 */
export class Org {
  readonly inlineHooks = new Map<string, InlineHook>();
  readonly hookSecrets = new Map<string, HookSecret>();
  readonly hookKeys = new Map<string, HookKey>();
  readonly authenticators = new Map<string, Authenticator>();
  readonly policies = new Map<string, Policy>();
  readonly rules = new Map<string, PolicyRule>();
  readonly groups = new Map<string, Group>();
  readonly users = new Map<string, User>();
  readonly zones = new Map<string, NetworkZone>();
  readonly telephonyProviders = new Map<string, TelephonyProvider>();
  readonly everyoneGroupId: string;

  constructor(seedUsers: readonly SeedUser[] = DEFAULT_SEED_USERS) {
    const now = isoNow();
    this.everyoneGroupId = this.addGroup('Everyone', 'All users in your organization', 'BUILT_IN').id;
    for (const [key, name, type, status, methods] of [
      ['okta_password', 'Password', 'password', 'ACTIVE', []],
      ['okta_email', 'Email', 'email', 'ACTIVE', [{ type: 'email', status: 'ACTIVE' }]],
      [
        'phone_number',
        'Phone',
        'phone',
        'INACTIVE',
        [
          { type: 'sms', status: 'INACTIVE' },
          { type: 'voice', status: 'INACTIVE' },
        ],
      ],
      [
        'okta_verify',
        'Okta Verify',
        'app',
        'ACTIVE',
        [
          { type: 'push', status: 'ACTIVE' },
          { type: 'totp', status: 'ACTIVE' },
        ],
      ],
    ] as const) {
      const id = oktaId('aut');
      this.authenticators.set(id, {
        id,
        key,
        name,
        type,
        status,
        created: now,
        lastUpdated: now,
        ...(key === 'phone_number' || key === 'okta_email' ? { settings: { allowedFor: 'recovery' } } : {}),
        methods: methods.map((m) => ({ ...m })),
      });
    }
    // A fresh Identity Engine org: default enrollment policy (phone not allowed), default authentication
    // policy with its catch-all rule (password only), the legacy and blocked IP zones.
    const enroll = this.addPolicy({
      type: 'MFA_ENROLL',
      name: 'Default Policy',
      description: 'The default policy applies in all situations if no other policy applies.',
      system: true,
      conditions: { people: { groups: { include: [this.everyoneGroupId] } } },
      settings: {
        type: 'AUTHENTICATORS',
        authenticators: [
          { key: 'okta_password', enroll: { self: 'REQUIRED' } },
          { key: 'okta_email', enroll: { self: 'OPTIONAL' } },
          { key: 'phone_number', enroll: { self: 'NOT_ALLOWED' } },
          { key: 'okta_verify', enroll: { self: 'OPTIONAL' } },
        ],
      },
    });
    this.addRule(enroll.id, {
      type: 'MFA_ENROLL',
      name: 'Default Rule',
      system: true,
      conditions: { network: { connection: 'ANYWHERE' } },
      actions: { enroll: { self: 'CHALLENGE' } },
    });
    const access = this.addPolicy({
      type: 'ACCESS_POLICY',
      name: 'Default Policy',
      description: 'Default authentication policy applied to new apps',
      system: true,
      conditions: null,
    });
    this.addRule(access.id, {
      type: 'ACCESS_POLICY',
      name: 'Catch-all Rule',
      system: true,
      conditions: null,
      actions: {
        appSignOn: {
          access: 'ALLOW',
          verificationMethod: {
            type: 'ASSURANCE',
            factorMode: '1FA',
            reauthenticateIn: 'PT12H',
            constraints: [],
          },
        },
      },
    });
    this.addPolicy({ type: 'ACCESS_POLICY', name: 'Okta Dashboard', system: false, conditions: null });
    for (const [name, usage] of [
      ['LegacyIpZone', 'POLICY'],
      ['BlockedIpZone', 'BLOCKLIST'],
    ] as const) {
      const id = oktaId('nzo');
      this.zones.set(id, {
        id,
        type: 'IP',
        name,
        status: 'ACTIVE',
        usage,
        system: true,
        gateways: null,
        proxies: null,
        created: now,
        lastUpdated: now,
      });
    }
    for (const seed of seedUsers) this.addSeedUser(seed);
  }

  addGroup(name: string, description: string, type: Group['type'] = 'OKTA_GROUP'): Group {
    const now = isoNow();
    const group: Group = {
      id: oktaId('00g'),
      type,
      profile: { name, description },
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      members: new Set(),
    };
    this.groups.set(group.id, group);
    return group;
  }

  groupByName(name: string): Group | undefined {
    return [...this.groups.values()].find((g) => g.profile.name.toLowerCase() === name.toLowerCase());
  }

  /** A new user is in Everyone, as in Okta. */
  addUser(user: Omit<User, 'id' | 'created' | 'lastUpdated'>): User {
    const now = isoNow();
    const created: User = { ...user, id: oktaId('00u'), created: now, lastUpdated: now };
    this.users.set(created.id, created);
    this.groups.get(this.everyoneGroupId)?.members.add(created.id);
    return created;
  }

  /** By id or login (case-insensitive), as `GET /api/v1/users/{idOrLogin}` finds users. */
  findUser(idOrLogin: string): User | undefined {
    return (
      this.users.get(idOrLogin) ??
      [...this.users.values()].find((u) => u.profile.login.toLowerCase() === idOrLogin.toLowerCase())
    );
  }

  groupsOf(userId: string): Group[] {
    return [...this.groups.values()].filter((g) => g.members.has(userId));
  }

  addPolicy(
    policy: Omit<Policy, 'id' | 'created' | 'lastUpdated' | 'priority' | 'status'> & {
      priority?: number;
      status?: Policy['status'];
    },
  ): Policy {
    const now = isoNow();
    const created: Policy = {
      status: 'ACTIVE',
      ...policy,
      id: oktaId(policy.type === 'ACCESS_POLICY' ? 'rst' : '00p'),
      priority: 0,
      created: now,
      lastUpdated: now,
    };
    this.policies.set(created.id, created);
    this.placePolicy(created, policy.priority);
    return created;
  }

  /** Policies of one type, by priority. */
  policiesOf(type: Policy['type']): Policy[] {
    return [...this.policies.values()].filter((p) => p.type === type).sort((a, b) => a.priority - b.priority);
  }

  /**
   * Puts a policy at `priority` (1 = first) among its type, shifting the others, as Okta does. System
   * policies (the default ones) always stay last. Without a priority: last of the non-system ones.
   */
  placePolicy(policy: Policy, priority: number | undefined): void {
    const others = this.policiesOf(policy.type).filter((p) => p.id !== policy.id);
    const movable = others.filter((p) => !p.system);
    const fixed = others.filter((p) => p.system);
    if (policy.system) fixed.push(policy);
    else movable.splice(slot(priority, movable.length), 0, policy);
    [...movable, ...fixed].forEach((p, i) => {
      p.priority = i + 1;
    });
  }

  addRule(
    policyId: string,
    rule: Omit<PolicyRule, 'id' | 'policyId' | 'created' | 'lastUpdated' | 'priority' | 'status'> & {
      priority?: number;
      status?: PolicyRule['status'];
    },
  ): PolicyRule {
    const now = isoNow();
    const created: PolicyRule = {
      status: 'ACTIVE',
      ...rule,
      id: oktaId('rul'),
      policyId,
      priority: 0,
      created: now,
      lastUpdated: now,
    };
    this.rules.set(created.id, created);
    this.placeRule(created, rule.priority);
    return created;
  }

  rulesOf(policyId: string): PolicyRule[] {
    return [...this.rules.values()]
      .filter((r) => r.policyId === policyId)
      .sort((a, b) => a.priority - b.priority);
  }

  /** Same as placePolicy, within one policy: the catch-all (system) rule stays last, at priority 99 in Okta. */
  placeRule(rule: PolicyRule, priority: number | undefined): void {
    const others = this.rulesOf(rule.policyId).filter((r) => r.id !== rule.id);
    const movable = others.filter((r) => !r.system);
    const fixed = others.filter((r) => r.system);
    if (rule.system) fixed.push(rule);
    else movable.splice(slot(priority, movable.length), 0, rule);
    movable.forEach((r, i) => {
      r.priority = i + 1;
    });
    for (const r of fixed) r.priority = 99;
  }

  /** After a deletion: priorities stay 1…n (the catch-all 99). */
  renumberRules(policyId: string): void {
    this.rulesOf(policyId)
      .filter((r) => !r.system)
      .forEach((r, i) => {
        r.priority = i + 1;
      });
  }

  renumberPolicies(type: Policy['type']): void {
    this.policiesOf(type).forEach((p, i) => {
      p.priority = i + 1;
    });
  }

  authenticatorByKey(key: string): Authenticator | undefined {
    return [...this.authenticators.values()].find((a) => a.key === key);
  }

  activeTelephonyHooks(): InlineHook[] {
    return [...this.inlineHooks.values()].filter(
      (h) => h.type === 'com.okta.telephony.provider' && h.status === 'ACTIVE',
    );
  }

  private addSeedUser(seed: SeedUser): void {
    const now = isoNow();
    const user = this.addUser({
      status: 'ACTIVE',
      activated: now,
      profile: {
        login: seed.login,
        email: seed.login.includes('@') ? seed.login : `${seed.login}@example.com`,
        firstName: seed.firstName ?? seed.login.split('@')[0] ?? seed.login,
        lastName: seed.lastName ?? 'Sandbox',
        mobilePhone: null,
      },
      ...(seed.phone
        ? { phone: { id: oktaId('pae'), phoneNumber: seed.phone, method: 'sms' as const, created: now } }
        : {}),
    });
    for (const name of seed.groups ?? []) {
      const group = this.groupByName(name) ?? this.addGroup(name, 'Created by the Okta simulator');
      group.members.add(user.id);
    }
  }
}

/** Index for a 1-based priority among `count` movable items (no priority: last). */
function slot(priority: number | undefined, count: number): number {
  return Math.min(Math.max((priority ?? count + 1) - 1, 0), count);
}
