/**
 * The guide's objects, one step each. A step looks at what the org has, compares it with what setup would
 * make, and — only in "apply" mode — creates or updates it. The same code therefore answers `setup` (apply),
 * `setup --dry-run` (plan) and `status` (check), so what status calls drift is exactly what setup would fix.
 */

import { BYOT_HOOK_SCOPE, FINGERPRINT_HEADER, MANAGED_DESCRIPTION, NAMES } from './names.ts';
import type { OktaOrg, Policy, PolicyRule, TelephonyHook } from './okta-org.ts';
import {
  generateClientId,
  generateClientSecret,
  generateHeaderSecret,
  secretFingerprint,
} from './secrets.ts';
import type { Settings } from './settings.ts';

export type Mode = 'apply' | 'plan' | 'check';
export type Outcome =
  | 'created'
  | 'updated'
  | 'already right'
  | 'would create'
  | 'would update'
  | 'missing'
  | 'differs'
  | 'right'
  | 'conflict';

export interface StepReport {
  step: string;
  outcome: Outcome;
  /** What differs, what was done, what was not compared and why. */
  detail: string[];
}

/** A secret or setting byot must be given: printed once, or written to the tenant's entry. */
export interface GeneratedBlock {
  title: string;
  env: Record<string, string>;
  secret: boolean;
}

/** A problem setup cannot solve by itself (a missing zone, another active hook): printed plainly, exit 1. */
export class SetupStop extends Error {
  override name = 'SetupStop';
}

export interface RunContext {
  org: OktaOrg;
  settings: Settings;
  mode: Mode;
  reports: StepReport[];
  generated: GeneratedBlock[];
  found: {
    hook?: TelephonyHook;
    hookKeyId?: string;
    groupId?: string;
    groupName?: string;
    zoneId?: string;
    enrollmentPolicy?: Policy;
  };
}

const DRIFT: readonly Outcome[] = ['missing', 'differs', 'conflict'];
export function isDrift(report: StepReport): boolean {
  return DRIFT.includes(report.outcome);
}

/**
 * Records one step: in check mode its state; in plan mode what would happen; in apply mode it runs `fix` when
 * something is missing or differs.
 */
async function settle(
  ctx: RunContext,
  step: string,
  state: 'missing' | 'differs' | 'right',
  detail: string[],
  fix: () => Promise<string[] | undefined>,
): Promise<void> {
  if (ctx.mode === 'check' || state === 'right') {
    ctx.reports.push({ step, outcome: ctx.mode === 'check' ? state : 'already right', detail });
    return;
  }
  if (ctx.mode === 'plan') {
    ctx.reports.push({ step, outcome: state === 'missing' ? 'would create' : 'would update', detail });
    return;
  }
  const done = (await fix()) ?? [];
  ctx.reports.push({
    step,
    outcome: state === 'missing' ? 'created' : 'updated',
    detail: [...detail, ...done],
  });
}

// ─── Telephony hook ────────────────────────────────────────────────────────────────────────────────────────────

interface DesiredAuth {
  kind: 'header' | 'oauth';
  /** What the channel should look like; secret fields only when known (env or generated). */
  channel: TelephonyHook['channel'];
  /** Fingerprint of the secret, when the secret is known. */
  fingerprint?: string;
  /** The env block for byot when a secret or client was generated. */
  generated?: GeneratedBlock;
}

/** The hook key of private_key_jwt: created by name, its public JWK printed for byot's client. */
export async function hookKeyStep(ctx: RunContext): Promise<void> {
  const { org, settings } = ctx;
  const key = (await org.hookKeys()).find((k) => k.name === NAMES.hookKey);
  if (key) ctx.found.hookKeyId = key.id;
  await settle(
    ctx,
    `hook key "${NAMES.hookKey}"`,
    key ? 'right' : 'missing',
    key ? [`id ${key.id}`] : [],
    async () => {
      const created = await org.createHookKey(NAMES.hookKey);
      ctx.found.hookKeyId = created.id;
      return [`id ${created.id}, key id ${created.keyId}`];
    },
  );
  const current =
    key ??
    (ctx.found.hookKeyId ? (await org.hookKeys()).find((k) => k.id === ctx.found.hookKeyId) : undefined);
  if (current && ctx.mode === 'apply') {
    const jwk = await org.hookKeyPublicJwk(current.keyId);
    const configured = settings.hookAuth.oauthClientJwks ?? '';
    if (typeof jwk.n !== 'string' || !configured.includes(jwk.n)) {
      ctx.generated.push({
        title: "byot's OAuth client for the hook (private_key_jwt): the hook key's public JWK",
        secret: false,
        env: {
          OKTA_HOOK_AUTH: 'oauth',
          OKTA_HOOK_OAUTH_CLIENT_ID: settings.hookAuth.oauthClientId ?? '(the client id printed above)',
          OKTA_HOOK_OAUTH_CLIENT_JWKS: JSON.stringify({ keys: [jwk] }),
        },
      });
    }
  }
}

function desiredAuth(
  ctx: RunContext,
  ours: TelephonyHook | undefined,
  hookUrl: string | undefined,
): DesiredAuth {
  const { settings } = ctx;
  const kind = settings.auth ?? (ours ? (ours.channel.type === 'OAUTH' ? 'oauth' : 'header') : 'header');
  const uri = hookUrl ?? ours?.channel.uri ?? '';
  const keepHeaders = (ours?.channel.headers ?? []).filter((h) => h.key !== FINGERPRINT_HEADER);
  const plan = ctx.mode !== 'apply';
  if (kind === 'header') {
    const key = settings.hookAuth.header;
    let secret = settings.hookAuth.secret;
    let generated: GeneratedBlock | undefined;
    const reusable =
      ours?.channel.type === 'HTTP' && ours.channel.authScheme?.key.toLowerCase() === key.toLowerCase();
    if (!secret && !reusable && ctx.mode !== 'check') {
      secret = plan ? '(a generated secret)' : generateHeaderSecret();
      generated = {
        title: "byot's hook secret (generated: byot has none configured)",
        secret: true,
        env: { OKTA_HOOK_AUTH_HEADER: key, OKTA_HOOK_AUTH_SECRET: secret },
      };
    }
    const fingerprint = secret ? secretFingerprint('header', key, secret) : undefined;
    const kept = ours?.channel.headers.find((h) => h.key === FINGERPRINT_HEADER);
    const fingerprintHeader = fingerprint ?? kept?.value;
    return {
      kind,
      channel: {
        type: 'HTTP',
        uri,
        headers: [
          ...keepHeaders,
          ...(fingerprintHeader ? [{ key: FINGERPRINT_HEADER, value: fingerprintHeader }] : []),
        ],
        authScheme: { type: 'HEADER', key, ...(secret && !plan ? { value: secret } : {}) },
      },
      ...(fingerprint ? { fingerprint } : {}),
      ...(generated ? { generated } : {}),
    };
  }
  const tokenUrl =
    settings.tokenUrl ??
    (hookUrl
      ? new URL('/oauth2/default/v1/token', hookUrl).toString()
      : ours?.channel.type === 'OAUTH'
        ? ours.channel.tokenUrl
        : '');
  const oursOAuth = ours?.channel.type === 'OAUTH' ? ours.channel : undefined;
  let clientId = settings.hookAuth.oauthClientId ?? oursOAuth?.clientId;
  let generated: GeneratedBlock | undefined;
  const authType = settings.auth ? settings.clientAuth : (oursOAuth?.authType ?? settings.clientAuth);
  if (authType === 'private_key_jwt') {
    if (!clientId && ctx.mode !== 'check') {
      clientId = plan ? '(a generated client id)' : generateClientId();
      generated = {
        title: "byot's OAuth client id (generated)",
        secret: false,
        env: { OKTA_HOOK_OAUTH_CLIENT_ID: clientId },
      };
    }
    return {
      kind,
      channel: {
        type: 'OAUTH',
        uri,
        headers: keepHeaders,
        authType,
        clientId: clientId ?? '',
        ...(ctx.found.hookKeyId ? { hookKeyId: ctx.found.hookKeyId } : {}),
        tokenUrl,
        scope: BYOT_HOOK_SCOPE,
      },
      ...(generated ? { generated } : {}),
    };
  }
  let secret = settings.hookAuth.oauthClientSecret;
  const reusable = oursOAuth?.authType === 'client_secret_post' && oursOAuth.clientId === clientId;
  if ((!clientId || (!secret && !reusable)) && ctx.mode !== 'check') {
    clientId = settings.hookAuth.oauthClientId ?? (plan ? '(a generated client id)' : generateClientId());
    secret = plan ? '(a generated secret)' : generateClientSecret();
    generated = {
      title: "byot's OAuth client for the hook (generated: byot has none configured)",
      secret: true,
      env: {
        OKTA_HOOK_AUTH: 'oauth',
        OKTA_HOOK_OAUTH_CLIENT_ID: clientId,
        OKTA_HOOK_OAUTH_CLIENT_SECRET: secret,
      },
    };
  }
  const fingerprint = secret && clientId ? secretFingerprint('oauth', clientId, secret) : undefined;
  const kept = ours?.channel.headers.find((h) => h.key === FINGERPRINT_HEADER);
  const fingerprintHeader = fingerprint ?? kept?.value;
  return {
    kind,
    channel: {
      type: 'OAUTH',
      uri,
      headers: [
        ...keepHeaders,
        ...(fingerprintHeader ? [{ key: FINGERPRINT_HEADER, value: fingerprintHeader }] : []),
      ],
      authType: 'client_secret_post',
      clientId: clientId ?? '',
      ...(secret && !plan ? { clientSecret: secret } : {}),
      tokenUrl,
      scope: BYOT_HOOK_SCOPE,
    },
    ...(fingerprint ? { fingerprint } : {}),
    ...(generated ? { generated } : {}),
  };
}

function hookDifferences(
  ours: TelephonyHook,
  desired: DesiredAuth,
  ctx: RunContext,
): { differences: string[]; notes: string[] } {
  const differences: string[] = [];
  const notes: string[] = [];
  const want = desired.channel;
  const have = ours.channel;
  if (ours.status !== 'ACTIVE') differences.push('status INACTIVE, should be ACTIVE');
  if (ctx.settings.hookUrl && have.uri !== want.uri)
    differences.push(`uri ${have.uri}, should be ${want.uri}`);
  if (have.type !== want.type) {
    differences.push(
      `authentication ${have.type === 'OAUTH' ? 'OAuth 2.0' : 'header'}, should be ${want.type === 'OAUTH' ? 'OAuth 2.0' : 'header'}`,
    );
    return { differences, notes };
  }
  const fingerprint = have.headers.find((h) => h.key === FINGERPRINT_HEADER)?.value;
  if (have.type === 'HTTP' && want.type === 'HTTP') {
    if (have.authScheme?.key.toLowerCase() !== want.authScheme?.key.toLowerCase()) {
      differences.push(`auth header ${have.authScheme?.key ?? '(none)'}, should be ${want.authScheme?.key}`);
    }
    if (desired.fingerprint && !desired.generated) {
      if (fingerprint !== desired.fingerprint) {
        differences.push(
          fingerprint
            ? 'the secret Okta sends is not OKTA_HOOK_AUTH_SECRET (fingerprints differ)'
            : 'the secret Okta sends cannot be checked (the hook has no fingerprint: it was not made by setup): it will be set to OKTA_HOOK_AUTH_SECRET',
        );
      }
    } else if (!desired.fingerprint) {
      notes.push('secret not compared: OKTA_HOOK_AUTH_SECRET is not set here');
    }
  }
  if (have.type === 'OAUTH' && want.type === 'OAUTH') {
    if (have.authType !== want.authType)
      differences.push(`client authentication ${have.authType}, should be ${want.authType}`);
    if (want.clientId && have.clientId !== want.clientId)
      differences.push(`client id ${have.clientId}, should be ${want.clientId}`);
    if (want.tokenUrl && have.tokenUrl !== want.tokenUrl)
      differences.push(`token URL ${have.tokenUrl}, should be ${want.tokenUrl}`);
    if ((have.scope ?? '') !== (want.scope ?? ''))
      differences.push(`scope ${have.scope ?? '(none)'}, should be ${want.scope}`);
    if (want.authType === 'private_key_jwt' && want.hookKeyId && have.hookKeyId !== want.hookKeyId) {
      differences.push(
        `hook key ${have.hookKeyId ?? '(none)'}, should be "${NAMES.hookKey}" (${want.hookKeyId})`,
      );
    }
    if (want.authType === 'client_secret_post') {
      if (desired.fingerprint && !desired.generated && fingerprint !== desired.fingerprint) {
        differences.push(
          fingerprint
            ? 'the client secret in Okta is not OKTA_HOOK_OAUTH_CLIENT_SECRET (fingerprints differ)'
            : 'the client secret in Okta cannot be checked (no fingerprint): it will be set to OKTA_HOOK_OAUTH_CLIENT_SECRET',
        );
      } else if (!desired.fingerprint) {
        notes.push('client secret not compared: OKTA_HOOK_OAUTH_CLIENT_SECRET is not set here');
      }
    }
  }
  return { differences, notes };
}

export async function telephonyHookStep(ctx: RunContext): Promise<void> {
  const { org, settings } = ctx;
  const step = `telephony inline hook "${NAMES.hook}"`;
  const hooks = await org.telephonyHooks();
  const ours = hooks.find((h) => h.name === NAMES.hook);
  if (ours) ctx.found.hook = ours;
  const others = hooks.filter((h) => h.id !== ours?.id && h.status === 'ACTIVE');
  for (const other of others) {
    const message = `another telephony inline hook is active: "${other.name}" (${other.id}, ${other.channel.uri}). Okta calls one telephony hook per org; deactivate the other one (Workflow → Inline Hooks) before setup can make byot's the active one.`;
    if (ctx.mode === 'check')
      ctx.reports.push({ step: 'second active telephony hook', outcome: 'conflict', detail: [message] });
    else throw new SetupStop(message);
  }
  if (!ours && ctx.mode === 'check') {
    ctx.reports.push({ step, outcome: 'missing', detail: [] });
    return;
  }
  const desired = desiredAuth(ctx, ours, settings.hookUrl);
  const { differences, notes } = ours ? hookDifferences(ours, desired, ctx) : { differences: [], notes: [] };
  const detail = [
    ...(ours ? [`id ${ours.id}`] : []),
    `${desired.kind === 'oauth' ? `OAuth 2.0 (${desired.channel.type === 'OAUTH' ? desired.channel.authType : ''})` : `header ${desired.channel.type === 'HTTP' ? desired.channel.authScheme?.key : ''}`} → ${desired.channel.uri}`,
    ...differences,
    ...notes,
  ];
  await settle(
    ctx,
    step,
    !ours ? 'missing' : differences.length > 0 ? 'differs' : 'right',
    detail,
    async () => {
      if (desired.generated) ctx.generated.push(desired.generated);
      if (!ours) {
        const created = await org.createHook(NAMES.hook, desired.channel);
        ctx.found.hook = created;
        if (created.status !== 'ACTIVE') await org.activateHook(created.id);
        return [`id ${created.id}, active`];
      }
      const replaced = await org.replaceHook(ours.id, NAMES.hook, desired.channel);
      if (replaced.status !== 'ACTIVE') await org.activateHook(ours.id);
      ctx.found.hook = replaced;
      return [];
    },
  );
  if (desired.generated && ctx.mode === 'plan') {
    ctx.reports.push({
      step: 'secret',
      outcome: 'would create',
      detail: [`${desired.generated.title}: printed once when setup runs`],
    });
  }
}

// ─── Phone authenticator ───────────────────────────────────────────────────────────────────────────────────────

export async function phoneAuthenticatorStep(ctx: RunContext): Promise<void> {
  const { org, settings } = ctx;
  const step = 'phone authenticator';
  const phone = await org.authenticatorByKey('phone_number');
  if (!phone) {
    throw new SetupStop(
      'this org has no phone authenticator (key phone_number): the guide needs an Okta Identity Engine org.',
    );
  }
  const methods = await org.authenticatorMethods(phone.id);
  const wanted = ['sms', ...(settings.voice ? ['voice'] : [])];
  const inactive = wanted.filter((type) => methods.find((m) => m.type === type)?.status !== 'ACTIVE');
  const differences = [
    ...(phone.status !== 'ACTIVE' ? ['status INACTIVE, should be ACTIVE'] : []),
    ...(phone.settings?.allowedFor !== 'any'
      ? [`used for "${phone.settings?.allowedFor ?? 'none'}", should be "any" (authentication and recovery)`]
      : []),
    ...inactive.map((type) => `method ${type} inactive`),
  ];
  const active = methods.filter((m) => m.status === 'ACTIVE').map((m) => m.type);
  await settle(
    ctx,
    step,
    differences.length > 0 ? 'differs' : 'right',
    differences.length > 0
      ? differences
      : [`active, authentication and recovery, methods ${active.join(' + ') || 'none'}`],
    async () => {
      if (phone.settings?.allowedFor !== 'any') {
        await org.replaceAuthenticator({ ...phone, settings: { ...phone.settings, allowedFor: 'any' } });
      }
      for (const type of inactive) await org.activateAuthenticatorMethod(phone.id, type);
      if (phone.status !== 'ACTIVE') await org.activateAuthenticator(phone.id);
      return [];
    },
  );
}

// ─── Network zone (the guide's geofencing) ─────────────────────────────────────────────────────────────────────

export async function zoneStep(ctx: RunContext): Promise<void> {
  const { org, settings } = ctx;
  const name = settings.zone;
  if (!name) return;
  const step = `network zone "${name}"`;
  const zone = (await org.zones()).find((z) => z.name === name);
  if (zone) ctx.found.zoneId = zone.id;
  if (!zone && !settings.zoneCountries) {
    if (ctx.mode === 'check') {
      ctx.reports.push({ step, outcome: 'missing', detail: [] });
      return;
    }
    throw new SetupStop(
      `network zone "${name}" not found: create it in Okta (Security → Networks), or add --zone-countries US,CA to have setup make a dynamic zone of those countries.`,
    );
  }
  const countries = settings.zoneCountries;
  const differences: string[] = [];
  if (zone && zone.status !== 'ACTIVE') differences.push('status INACTIVE');
  if (zone && countries) {
    const have = (zone.locations ?? []).map((l) => l.country).sort();
    if (zone.type !== 'DYNAMIC') differences.push(`type ${zone.type}, --zone-countries makes a DYNAMIC zone`);
    else if (have.join(',') !== [...countries].sort().join(',')) {
      differences.push(`countries ${have.join(',') || 'none'}, should be ${[...countries].sort().join(',')}`);
    }
  }
  const detail = zone
    ? [`id ${zone.id}, ${zone.type}`, ...differences]
    : [`dynamic zone: ${countries?.join(', ')}`];
  await settle(
    ctx,
    step,
    !zone ? 'missing' : differences.length > 0 ? 'differs' : 'right',
    detail,
    async () => {
      if (!zone) {
        const created = await org.createDynamicZone(name, countries ?? []);
        ctx.found.zoneId = created.id;
        return [`id ${created.id}`];
      }
      if (zone.type === 'DYNAMIC' && countries) await org.replaceDynamicZone(zone.id, name, countries);
      else if (zone.type !== 'DYNAMIC' && countries) {
        throw new SetupStop(
          `network zone "${name}" is an ${zone.type} zone: pick another name for setup's dynamic zone`,
        );
      }
      return [];
    },
  );
}

// ─── Group and test user ───────────────────────────────────────────────────────────────────────────────────────

/** The group: --group, else the one setup's enrollment policy names, else the default name. */
async function groupName(ctx: RunContext): Promise<string> {
  if (ctx.settings.group) return ctx.settings.group;
  const policy = (await ctx.org.policies('MFA_ENROLL')).find((p) => p.name === NAMES.enrollmentPolicy);
  const id = policy?.conditions?.people?.groups?.include?.[0];
  const group = id ? await ctx.org.group(id) : undefined;
  return group?.profile.name ?? NAMES.group;
}

export async function groupStep(ctx: RunContext): Promise<void> {
  const { org } = ctx;
  const name = await groupName(ctx);
  ctx.found.groupName = name;
  const group = await org.groupByName(name);
  if (group) ctx.found.groupId = group.id;
  const detail = group
    ? [
        `id ${group.id}${group.profile.description === MANAGED_DESCRIPTION ? '' : ' (an existing group, kept as it is)'}`,
      ]
    : [];
  await settle(ctx, `group "${name}"`, group ? 'right' : 'missing', detail, async () => {
    const created = await org.createGroup(name, MANAGED_DESCRIPTION);
    ctx.found.groupId = created.id;
    return [`id ${created.id}`];
  });
}

export async function userStep(ctx: RunContext): Promise<void> {
  const { org, settings } = ctx;
  const login = settings.user;
  const groupId = ctx.found.groupId;
  if (!login) {
    if (ctx.mode === 'check' && groupId) {
      const members = await org.groupMembers(groupId);
      ctx.reports.push({
        step: `members of "${ctx.found.groupName}"`,
        outcome: 'right',
        detail: [
          members.length > 0
            ? members.map((m) => m.profile.login).join(', ')
            : 'none (give --user LOGIN to add a test user)',
        ],
      });
    }
    return;
  }
  const step = `test user ${login}`;
  const user = await org.user(login);
  const members = groupId && user ? await org.groupMembers(groupId) : [];
  const member = user !== undefined && members.some((m) => m.id === user.id);
  const differences = [
    ...(user && user.status !== 'ACTIVE' ? [`status ${user.status} (activate the user in Okta)`] : []),
    ...(user && !member ? [`not in "${ctx.found.groupName}"`] : []),
  ];
  await settle(
    ctx,
    step,
    !user ? 'missing' : differences.length > 0 ? 'differs' : 'right',
    user ? [`id ${user.id}`, ...differences] : [`in "${ctx.found.groupName}"`],
    async () => {
      let id = user?.id;
      if (!user) {
        const local = login.split('@')[0] ?? 'test';
        id = (await org.createUser({ login, email: login, firstName: capitalise(local), lastName: 'Test' }))
          .id;
      }
      const target = ctx.found.groupId;
      if (id && target && !member) await org.addToGroup(target, id);
      return id && !user ? [`id ${id}, added to "${ctx.found.groupName}"`] : [];
    },
  );
}

function capitalise(word: string): string {
  return word ? word[0]?.toUpperCase() + word.slice(1) : word;
}

// ─── Enrollment policy ─────────────────────────────────────────────────────────────────────────────────────────

function enrollSelf(policy: Policy, key: string): string | undefined {
  return policy.settings?.authenticators?.find((a) => a.key === key)?.enroll.self;
}

export async function enrollmentPolicyStep(ctx: RunContext): Promise<void> {
  const { org } = ctx;
  const groupId = ctx.found.groupId;
  const policies = await org.policies('MFA_ENROLL');
  const policy = policies.find((p) => p.name === NAMES.enrollmentPolicy);
  ctx.found.enrollmentPolicy = policy;
  const body = {
    type: 'MFA_ENROLL',
    name: NAMES.enrollmentPolicy,
    description: MANAGED_DESCRIPTION,
    priority: 1,
    conditions: { people: { groups: { include: groupId ? [groupId] : [] } } },
    settings: {
      type: 'AUTHENTICATORS',
      authenticators: [
        { key: 'okta_password', enroll: { self: 'REQUIRED' } },
        { key: 'phone_number', enroll: { self: 'REQUIRED' } },
      ],
    },
  };
  const differences: string[] = [];
  if (policy) {
    if (policy.status !== 'ACTIVE') differences.push('status INACTIVE');
    if (policy.priority !== 1) differences.push(`priority ${policy.priority}, should be 1`);
    const include = policy.conditions?.people?.groups?.include ?? [];
    if (groupId && (include.length !== 1 || include[0] !== groupId)) {
      differences.push(
        `applies to groups ${include.join(', ') || '(none)'}, should be "${ctx.found.groupName}" (${groupId})`,
      );
    }
    if (enrollSelf(policy, 'phone_number') !== 'REQUIRED') {
      differences.push(`phone ${enrollSelf(policy, 'phone_number') ?? 'not listed'}, should be REQUIRED`);
    }
    if (enrollSelf(policy, 'okta_password') !== 'REQUIRED') differences.push('password not REQUIRED');
  }
  await settle(
    ctx,
    `enrollment policy "${NAMES.enrollmentPolicy}"`,
    !policy ? 'missing' : differences.length > 0 ? 'differs' : 'right',
    policy
      ? [`id ${policy.id}, phone required for "${ctx.found.groupName}"`, ...differences]
      : [`phone required for "${ctx.found.groupName}", priority 1`],
    async () => {
      if (!policy) {
        ctx.found.enrollmentPolicy = await org.createPolicy({ ...body, status: 'ACTIVE' });
        return [`id ${ctx.found.enrollmentPolicy.id}`];
      }
      ctx.found.enrollmentPolicy = await org.replacePolicy(policy.id, { ...body, status: policy.status });
      if (policy.status !== 'ACTIVE') await org.activatePolicy(policy.id);
      return [];
    },
  );
  await enrollmentRuleStep(ctx);
}

async function enrollmentRuleStep(ctx: RunContext): Promise<void> {
  const { org, settings } = ctx;
  const policy = ctx.found.enrollmentPolicy;
  const step = `enrollment rule "${NAMES.enrollmentRule}"`;
  const rule = policy ? (await org.rules(policy.id)).find((r) => r.name === NAMES.enrollmentRule) : undefined;
  const zoneId = ctx.found.zoneId;
  const network =
    settings.zone && zoneId ? { connection: 'ZONE', include: [zoneId] } : { connection: 'ANYWHERE' };
  const body = {
    type: 'MFA_ENROLL',
    name: NAMES.enrollmentRule,
    conditions: { network },
    actions: { enroll: { self: 'CHALLENGE' } },
  };
  const differences: string[] = [];
  if (rule) {
    if (rule.status !== 'ACTIVE') differences.push('status INACTIVE');
    const have = rule.conditions?.network;
    if (settings.zone || settings.command === 'setup') {
      const same =
        (have?.connection ?? 'ANYWHERE') === network.connection &&
        JSON.stringify(have?.include ?? []) ===
          JSON.stringify(network.connection === 'ZONE' ? network.include : []);
      if (!same) {
        differences.push(
          `network ${have?.connection === 'ZONE' ? `zones ${(have.include ?? []).join(', ')}` : 'anywhere'}, should be ${settings.zone ? `zone "${settings.zone}"` : 'anywhere'}`,
        );
      }
    }
    const self = (rule.actions as { enroll?: { self?: string } }).enroll?.self;
    if (self !== 'CHALLENGE') differences.push(`enroll ${self ?? '(none)'}, should be CHALLENGE`);
  }
  const where = settings.zone
    ? `inside zone "${settings.zone}"`
    : rule?.conditions?.network?.connection === 'ZONE'
      ? 'inside a network zone'
      : 'anywhere';
  await settle(
    ctx,
    step,
    !rule ? 'missing' : differences.length > 0 ? 'differs' : 'right',
    [where, ...differences],
    async () => {
      const target = ctx.found.enrollmentPolicy;
      if (!target) return ['(no policy)'];
      if (!rule) {
        const created = await org.createRule(target.id, body as never);
        return [`id ${created.id}`];
      }
      await org.replaceRule(target.id, rule.id, body as never);
      if (rule.status !== 'ACTIVE') await org.activateRule(target.id, rule.id);
      return [];
    },
  );
}

// ─── Authentication policy rule ────────────────────────────────────────────────────────────────────────────────

export async function accessRuleStep(ctx: RunContext): Promise<void> {
  const { org, settings } = ctx;
  const step = `authentication rule "${NAMES.accessRule}"`;
  const policies = await org.policies('ACCESS_POLICY');
  let policy: Policy | undefined;
  let rule: PolicyRule | undefined;
  for (const candidate of policies) {
    rule = (await org.rules(candidate.id)).find((r) => r.name === NAMES.accessRule);
    if (rule) {
      policy = candidate;
      break;
    }
  }
  policy ??= policies.find((p) => p.system) ?? policies.find((p) => p.name === NAMES.accessPolicy);
  if (!policy)
    throw new SetupStop(
      'no authentication policy found (ACCESS_POLICY "Default Policy"): the guide needs an Okta Identity Engine org.',
    );
  const groupId = ctx.found.groupId;
  const methods = [
    { key: 'phone_number', method: 'sms' },
    ...(settings.voice ? [{ key: 'phone_number', method: 'voice' }] : []),
  ];
  const body = {
    type: 'ACCESS_POLICY',
    name: NAMES.accessRule,
    priority: 1,
    conditions: { people: { groups: { include: groupId ? [groupId] : [] } } },
    actions: {
      appSignOn: {
        access: 'ALLOW',
        verificationMethod: {
          type: 'ASSURANCE',
          factorMode: '2FA',
          reauthenticateIn: 'PT0S',
          constraints: [{ possession: { authenticationMethods: methods } }],
        },
      },
    },
  };
  const differences: string[] = [];
  if (rule) {
    if (rule.status !== 'ACTIVE') differences.push('status INACTIVE');
    if (rule.priority !== 1) differences.push(`priority ${rule.priority}, should be 1`);
    const include = rule.conditions?.people?.groups?.include ?? [];
    if (groupId && (include.length !== 1 || include[0] !== groupId)) {
      differences.push(
        `applies to groups ${include.join(', ') || '(none)'}, should be "${ctx.found.groupName}" (${groupId})`,
      );
    }
    const signOn = (rule.actions as typeof body.actions).appSignOn;
    if (signOn?.access !== 'ALLOW') differences.push(`access ${signOn?.access ?? '(none)'}, should be ALLOW`);
    if (signOn?.verificationMethod?.factorMode !== '2FA')
      differences.push('not "password + another factor" (2FA)');
    const have = (signOn?.verificationMethod?.constraints ?? []).flatMap(
      (c) => c.possession?.authenticationMethods ?? [],
    );
    for (const m of methods) {
      if (!have.some((h) => h.key === m.key && h.method === m.method))
        differences.push(`phone by ${m.method} not required`);
    }
  }
  await settle(
    ctx,
    step,
    !rule ? 'missing' : differences.length > 0 ? 'differs' : 'right',
    [
      `in "${policy.name}": password + phone (${methods.map((m) => m.method).join('/')}) for "${ctx.found.groupName}", priority 1`,
      ...differences,
    ],
    async () => {
      if (!rule) {
        const created = await org.createRule(policy.id, body as never);
        return [`id ${created.id}`];
      }
      await org.replaceRule(policy.id, rule.id, body as never);
      if (rule.status !== 'ACTIVE') await org.activateRule(policy.id, rule.id);
      return [];
    },
  );
}

// ─── Okta's native alternative ─────────────────────────────────────────────────────────────────────────────────

export async function nativeProviderCheck(ctx: RunContext): Promise<void> {
  let providers: Awaited<ReturnType<OktaOrg['telephonyProviders']>>;
  try {
    providers = await ctx.org.telephonyProviders();
  } catch (error) {
    // Orgs without the feature answer 404 (or 401 for a token without the scope): nothing can conflict then.
    const status = (error as { status?: number }).status;
    if (status === 404 || status === 401 || status === 403) return;
    throw error;
  }
  for (const provider of providers.filter((p) => p.enabled)) {
    ctx.reports.push({
      step: 'custom telephony provider',
      outcome: 'conflict',
      detail: [
        `Okta's native ${provider.providerName} provider (${provider.id}) is active${provider.isPrimaryProvider ? ' and primary' : ''}: Okta sends codes through it instead of the hook. Deactivate it (Customizations → Telephony) to use byot.`,
      ],
    });
  }
}

/** Every step of the guide, in the order setup runs them. */
export async function runGuide(ctx: RunContext): Promise<void> {
  if ((ctx.settings.auth ?? 'header') === 'oauth' && ctx.settings.clientAuth === 'private_key_jwt')
    await hookKeyStep(ctx);
  await telephonyHookStep(ctx);
  await phoneAuthenticatorStep(ctx);
  await zoneStep(ctx);
  await groupStep(ctx);
  await userStep(ctx);
  await enrollmentPolicyStep(ctx);
  await accessRuleStep(ctx);
  await nativeProviderCheck(ctx);
}
