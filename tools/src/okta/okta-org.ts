/**
 * The Okta org as the command sees it: the official SDK (`@okta/okta-sdk-nodejs`) behind types that say what
 * the guide's objects really look like. The SDK's generated types are wrong in places — inline-hook channels
 * carry no `config` (okta-sdk-nodejs#406), a DYNAMIC network zone's `locations` is typed (and serialised) as an
 * object although Okta takes an array, the public hook key arrives wrapped in `_embedded`, and `execute`
 * answers a oneOf of six shapes — so those calls go through the SDK's own HTTP layer (same authentication, same
 * 429 retries, same errors) with plain JSON, and every other call through its typed APIs, cast at this boundary
 * only.
 */
import okta from '@okta/okta-sdk-nodejs';

export const TELEPHONY_HOOK_TYPE = 'com.okta.telephony.provider';

export interface HookHeader {
  key: string;
  value: string;
}

export type HookChannelConfig =
  | {
      type: 'HTTP';
      uri: string;
      headers: HookHeader[];
      /** `value` is write-only: Okta never returns it. */
      authScheme: { type: 'HEADER'; key: string; value?: string } | null;
    }
  | {
      type: 'OAUTH';
      uri: string;
      headers: HookHeader[];
      authType: 'client_secret_post' | 'private_key_jwt';
      clientId: string;
      /** Write-only (client_secret_post). */
      clientSecret?: string;
      hookKeyId?: string;
      tokenUrl: string;
      scope?: string | null;
    };

export interface TelephonyHook {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  type: string;
  channel: HookChannelConfig;
}

export interface HookKey {
  id: string;
  keyId: string;
  name: string;
}

export interface Authenticator {
  id: string;
  key: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  settings?: { allowedFor?: string } & Record<string, unknown>;
}

export interface AuthenticatorMethod {
  type: string;
  status: 'ACTIVE' | 'INACTIVE';
}

export interface Group {
  id: string;
  type: string;
  profile: { name: string; description?: string | null };
}

export interface User {
  id: string;
  status: string;
  profile: { login: string; email: string; firstName: string; lastName: string; mobilePhone?: string | null };
}

export interface Policy {
  id: string;
  type: string;
  name: string;
  description?: string | null;
  status: 'ACTIVE' | 'INACTIVE';
  priority: number;
  system: boolean;
  conditions: { people?: { groups?: { include?: string[]; exclude?: string[] } } } | null;
  settings?: { type?: string; authenticators?: { key: string; enroll: { self: string } }[] };
}

export interface PolicyRule {
  id: string;
  type: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  priority: number;
  system: boolean;
  conditions: {
    people?: { groups?: { include?: string[]; exclude?: string[] } };
    network?: { connection: string; include?: string[]; exclude?: string[] };
  } | null;
  actions: Record<string, unknown>;
}

export interface NetworkZone {
  id: string;
  type: string;
  name: string;
  status: string;
  system?: boolean;
  locations?: { country: string; region?: string | null }[] | null;
}

export interface TelephonyProvider {
  id: string;
  providerName: string;
  enabled: boolean;
  isPrimaryProvider: boolean;
}

export type OktaCredentials =
  | { kind: 'api-token'; token: string }
  | { kind: 'service-app'; clientId: string; privateKey: string; keyId?: string; scopes: readonly string[] };

export interface OktaOrgOptions {
  orgUrl: string;
  credentials: OktaCredentials;
  /** 429 retries (the SDK waits per X-Rate-Limit-Reset). Default 4. */
  maxRetries?: number;
  /** Told before each wait on a 429, so that people see why the command pauses. */
  onBackoff?: (delayMs: number, url: string) => void;
}

type SdkClient = InstanceType<typeof okta.Client>;
/** The SDK's HTTP layer (client.http): authentication, request executor (429 retries), OktaApiError mapping. */
interface SdkHttp {
  http(
    url: string,
    request: { method: string; headers?: Record<string, string>; body?: string },
  ): Promise<Response>;
}

async function all<T>(collection: Promise<AsyncIterable<unknown>>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of await collection) if (item) items.push(item as T);
  return items;
}

/** JSON round trip: the SDK's model classes → plain objects with the fields Okta sent. */
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class OktaOrg {
  readonly orgUrl: string;
  readonly #client: SdkClient;
  readonly #http: SdkHttp;

  constructor(options: OktaOrgOptions) {
    this.orgUrl = options.orgUrl.replace(/\/+$/, '');
    const requestExecutor = new okta.DefaultRequestExecutor({
      maxRetries: options.maxRetries ?? 4,
      requestTimeout: 0,
    });
    if (options.onBackoff) {
      const notify = options.onBackoff;
      requestExecutor.on(
        'backoff',
        (request: { url: string }, _response: unknown, _id: unknown, delayMs: number) =>
          notify(delayMs, request.url),
      );
    }
    const credentials = options.credentials;
    this.#client =
      credentials.kind === 'api-token'
        ? new okta.Client({
            orgUrl: this.orgUrl,
            token: credentials.token,
            requestExecutor,
            cacheMiddleware: null,
          })
        : new okta.Client({
            orgUrl: this.orgUrl,
            authorizationMode: 'PrivateKey',
            clientId: credentials.clientId,
            privateKey: credentials.privateKey,
            ...(credentials.keyId ? { keyId: credentials.keyId } : {}),
            scopes: [...credentials.scopes],
            requestExecutor,
            cacheMiddleware: null,
          });
    this.#http = (this.#client as unknown as { http: SdkHttp }).http;
  }

  // Inline hooks.
  async telephonyHooks(): Promise<TelephonyHook[]> {
    const hooks = await all<unknown>(
      this.#client.inlineHookApi.listInlineHooks({ type: TELEPHONY_HOOK_TYPE }),
    );
    return hooks.map((h) => fromSdkHook(h));
  }

  async createHook(name: string, channel: HookChannelConfig): Promise<TelephonyHook> {
    const created = await this.#client.inlineHookApi.createInlineHook({
      inlineHook: toSdkHook(name, channel) as never,
    });
    return fromSdkHook(created);
  }

  async replaceHook(id: string, name: string, channel: HookChannelConfig): Promise<TelephonyHook> {
    const { type: _type, ...replace } = toSdkHook(name, channel);
    const replaced = await this.#client.inlineHookApi.replaceInlineHook({
      inlineHookId: id,
      inlineHook: replace as never,
    });
    return fromSdkHook(replaced);
  }

  async activateHook(id: string): Promise<void> {
    await this.#client.inlineHookApi.activateInlineHook({ inlineHookId: id });
  }

  async deactivateHook(id: string): Promise<void> {
    await this.#client.inlineHookApi.deactivateInlineHook({ inlineHookId: id });
  }

  async deleteHook(id: string): Promise<void> {
    await this.#client.inlineHookApi.deleteInlineHook({ inlineHookId: id });
  }

  /** Okta's execute: the hook's answer exactly as Okta returns it (the SDK's oneOf would reshape it). */
  async executeHook(id: string, payload: unknown): Promise<unknown> {
    return this.#json('POST', `/api/v1/inlineHooks/${encodeURIComponent(id)}/execute`, payload);
  }

  // Hook keys.
  async hookKeys(): Promise<HookKey[]> {
    return (await all<unknown>(this.#client.hookKeyApi.listHookKeys())).map((k) => plain<HookKey>(k));
  }

  async createHookKey(name: string): Promise<HookKey> {
    return plain<HookKey>(await this.#client.hookKeyApi.createHookKey({ keyRequest: { name } }));
  }

  /** The hook key's public JWK; Okta wraps it in `_embedded` (both forms accepted). */
  async hookKeyPublicJwk(keyId: string): Promise<Record<string, unknown>> {
    const body = (await this.#json('GET', `/api/v1/hook-keys/public/${encodeURIComponent(keyId)}`)) as {
      _embedded?: Record<string, unknown>;
    } & Record<string, unknown>;
    return body._embedded ?? body;
  }

  async deleteHookKey(id: string): Promise<void> {
    await this.#client.hookKeyApi.deleteHookKey({ hookKeyId: id });
  }

  // Authenticators.
  async authenticatorByKey(key: string): Promise<Authenticator | undefined> {
    const list = await all<unknown>(this.#client.authenticatorApi.listAuthenticators());
    return list.map((a) => plain<Authenticator>(a)).find((a) => a.key === key);
  }

  async replaceAuthenticator(authenticator: Authenticator): Promise<void> {
    // Only the writable fields: the SDK serialises date-time fields from Date objects, not from Okta's strings.
    const { id, key, name, settings } = authenticator;
    await this.#client.authenticatorApi.replaceAuthenticator({
      authenticatorId: id,
      authenticator: { key, name, ...(settings ? { settings } : {}) } as never,
    });
  }

  async activateAuthenticator(id: string): Promise<void> {
    await this.#client.authenticatorApi.activateAuthenticator({ authenticatorId: id });
  }

  async authenticatorMethods(id: string): Promise<AuthenticatorMethod[]> {
    return (
      await all<unknown>(this.#client.authenticatorApi.listAuthenticatorMethods({ authenticatorId: id }))
    ).map((m) => plain<AuthenticatorMethod>(m));
  }

  async activateAuthenticatorMethod(id: string, methodType: string): Promise<void> {
    await this.#client.authenticatorApi.activateAuthenticatorMethod({
      authenticatorId: id,
      methodType: methodType as never,
    });
  }

  // Groups and users.
  async groupByName(name: string): Promise<Group | undefined> {
    const found = await all<unknown>(
      this.#client.groupApi.listGroups({ search: `profile.name eq "${name.replaceAll('"', '\\"')}"` }),
    );
    return found.map((g) => plain<Group>(g)).find((g) => g.profile.name === name);
  }

  async group(id: string): Promise<Group | undefined> {
    return this.#optional(async () => plain<Group>(await this.#client.groupApi.getGroup({ groupId: id })));
  }

  async createGroup(name: string, description: string): Promise<Group> {
    return plain<Group>(
      await this.#client.groupApi.createGroup({ group: { profile: { name, description } } as never }),
    );
  }

  async replaceGroup(id: string, name: string, description: string): Promise<void> {
    await this.#client.groupApi.replaceGroup({
      groupId: id,
      group: { profile: { name, description } } as never,
    });
  }

  async deleteGroup(id: string): Promise<void> {
    await this.#client.groupApi.deleteGroup({ groupId: id });
  }

  async groupMembers(id: string): Promise<User[]> {
    return (await all<unknown>(this.#client.groupApi.listGroupUsers({ groupId: id }))).map((u) =>
      plain<User>(u),
    );
  }

  async addToGroup(groupId: string, userId: string): Promise<void> {
    await this.#client.groupApi.assignUserToGroup({ groupId, userId });
  }

  async user(login: string): Promise<User | undefined> {
    return this.#optional(async () => plain<User>(await this.#client.userApi.getUser({ userId: login })));
  }

  async createUser(profile: User['profile']): Promise<User> {
    return plain<User>(await this.#client.userApi.createUser({ body: { profile } as never, activate: true }));
  }

  // Policies.
  async policies(type: 'MFA_ENROLL' | 'ACCESS_POLICY'): Promise<Policy[]> {
    return (await all<unknown>(this.#client.policyApi.listPolicies({ type }))).map((p) => plain<Policy>(p));
  }

  async createPolicy(
    policy: Omit<Policy, 'id' | 'system' | 'status'> & { status?: string },
  ): Promise<Policy> {
    return plain<Policy>(await this.#client.policyApi.createPolicy({ policy: policy as never }));
  }

  async replacePolicy(id: string, policy: Omit<Policy, 'id' | 'system'>): Promise<Policy> {
    return plain<Policy>(
      await this.#client.policyApi.replacePolicy({ policyId: id, policy: policy as never }),
    );
  }

  async activatePolicy(id: string): Promise<void> {
    await this.#client.policyApi.activatePolicy({ policyId: id });
  }

  async deletePolicy(id: string): Promise<void> {
    await this.#client.policyApi.deletePolicy({ policyId: id });
  }

  async rules(policyId: string): Promise<PolicyRule[]> {
    return (await all<unknown>(this.#client.policyApi.listPolicyRules({ policyId }))).map((r) =>
      plain<PolicyRule>(r),
    );
  }

  async createRule(
    policyId: string,
    rule: Omit<PolicyRule, 'id' | 'system' | 'status' | 'priority'> & { priority?: number },
  ): Promise<PolicyRule> {
    return plain<PolicyRule>(
      await this.#client.policyApi.createPolicyRule({ policyId, policyRule: rule as never }),
    );
  }

  async replaceRule(
    policyId: string,
    ruleId: string,
    rule: Omit<PolicyRule, 'id' | 'system' | 'status' | 'priority'> & { priority?: number },
  ): Promise<PolicyRule> {
    return plain<PolicyRule>(
      await this.#client.policyApi.replacePolicyRule({ policyId, ruleId, policyRule: rule as never }),
    );
  }

  async activateRule(policyId: string, ruleId: string): Promise<void> {
    await this.#client.policyApi.activatePolicyRule({ policyId, ruleId });
  }

  async deleteRule(policyId: string, ruleId: string): Promise<void> {
    await this.#client.policyApi.deletePolicyRule({ policyId, ruleId });
  }

  // Network zones (raw JSON: the SDK serialises DYNAMIC locations as an object).
  async zones(): Promise<NetworkZone[]> {
    const listed = (await all<unknown>(this.#client.networkZoneApi.listNetworkZones())).map((z) =>
      plain<NetworkZone>(z),
    );
    // The SDK reshapes a dynamic zone's locations into an object: read those zones as Okta sends them.
    return Promise.all(
      listed.map(async (zone) =>
        zone.type === 'DYNAMIC'
          ? ((await this.#json('GET', `/api/v1/zones/${encodeURIComponent(zone.id)}`)) as NetworkZone)
          : zone,
      ),
    );
  }

  async createDynamicZone(name: string, countries: readonly string[]): Promise<NetworkZone> {
    return (await this.#json('POST', '/api/v1/zones', dynamicZone(name, countries))) as NetworkZone;
  }

  async replaceDynamicZone(id: string, name: string, countries: readonly string[]): Promise<NetworkZone> {
    return (await this.#json(
      'PUT',
      `/api/v1/zones/${encodeURIComponent(id)}`,
      dynamicZone(name, countries),
    )) as NetworkZone;
  }

  // Okta's native alternative.
  async telephonyProviders(): Promise<TelephonyProvider[]> {
    const list = await this.#client.customTelephonyProviderApi.listAllCustomTelephonyProviderCredentials();
    return plain<TelephonyProvider[]>(list ?? []);
  }

  async #json(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.#http.http(`${this.orgUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  async #optional<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }
}

function dynamicZone(name: string, countries: readonly string[]) {
  return {
    type: 'DYNAMIC',
    name,
    usage: 'POLICY',
    locations: countries.map((country) => ({ country, region: null })),
  };
}

/** Our channel → the body Okta takes (the SDK serialises it through its discriminators; its types lack config). */
function toSdkHook(name: string, channel: HookChannelConfig) {
  const { type, ...config } = channel;
  return {
    name,
    type: TELEPHONY_HOOK_TYPE,
    version: '1.0.0',
    channel: { type, version: '1.0.0', config: { method: 'POST', ...config } },
  };
}

function fromSdkHook(hook: unknown): TelephonyHook {
  const h = plain<{
    id: string;
    name: string;
    status: 'ACTIVE' | 'INACTIVE';
    type: string;
    channel: { type: 'HTTP' | 'OAUTH'; config: Record<string, unknown> };
  }>(hook);
  const config = h.channel?.config ?? {};
  const headers = (Array.isArray(config.headers) ? config.headers : []) as HookHeader[];
  const channel: HookChannelConfig =
    h.channel?.type === 'OAUTH'
      ? {
          type: 'OAUTH',
          uri: String(config.uri ?? ''),
          headers,
          authType: config.authType === 'private_key_jwt' ? 'private_key_jwt' : 'client_secret_post',
          clientId: String(config.clientId ?? ''),
          ...(typeof config.hookKeyId === 'string' ? { hookKeyId: config.hookKeyId } : {}),
          tokenUrl: String(config.tokenUrl ?? ''),
          scope: typeof config.scope === 'string' ? config.scope : null,
        }
      : {
          type: 'HTTP',
          uri: String(config.uri ?? ''),
          headers,
          authScheme:
            config.authScheme && typeof config.authScheme === 'object'
              ? { type: 'HEADER', key: String((config.authScheme as { key?: unknown }).key ?? '') }
              : null,
        };
  return { id: h.id, name: h.name, status: h.status, type: h.type, channel };
}
