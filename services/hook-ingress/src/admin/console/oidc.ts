import { createHash } from 'node:crypto';
import type { Keyspace } from '@byot/redis';
import type { Redis } from 'ioredis';
import * as client from 'openid-client';
import { isLoopbackHost } from './http.ts';
import { type ConsoleTenants, type Principal, TENANT_ID } from './principal.ts';

/**
 * "Sign in with Okta": OpenID Connect authorization code flow with PKCE (S256), state and nonce, through
 * openid-client. The flow's secrets (code verifier, nonce) wait in Redis under the SHA-256 of the state, for ten
 * minutes and one use; the browser holds the state in a cookie, so a callback is only accepted by the browser that
 * started it. The role comes from a claim of the ID token (or the userinfo answer when the ID token leaves it out).
 */
export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** The claim holding the person's groups (Okta: `groups`). */
  rolesClaim: string;
  /** Membership of this group makes an MSP operator. */
  operatorGroup: string;
  /** `<prefix><tenant id>` makes a viewer of that tenant. */
  viewerGroupPrefix: string;
}

export const OIDC_FLOW_TTL_MS = 10 * 60_000;

type Keys = Pick<Keyspace, 'consoleOidcFlow'>;

interface Flow {
  verifier: string;
  nonce: string;
  redirectUri: string;
  returnTo?: string;
}

export type OidcOutcome =
  | { ok: true; principal: Principal; returnTo: string | undefined }
  /** `no-role`: signed in at the provider, but no group gives a role here. */
  | { ok: false; reason: 'expired' | 'refused' | 'no-role' | 'provider-error'; detail?: string };

const stateDigest = (state: string) => createHash('sha256').update(state, 'utf8').digest('hex');

export class OidcSignIn {
  readonly settings: OidcSettings;
  readonly #redis: Redis;
  readonly #keys: Keys;
  readonly #tenants: ConsoleTenants;
  #configuration: Promise<client.Configuration> | undefined;

  constructor(settings: OidcSettings, redis: Redis, keys: Keys, tenants: ConsoleTenants) {
    this.settings = settings;
    this.#redis = redis;
    this.#keys = keys;
    this.#tenants = tenants;
  }

  /** Discovery, once; a failed discovery is retried at the next sign-in rather than remembered. */
  #config(): Promise<client.Configuration> {
    this.#configuration ??= client
      .discovery(
        this.settings.issuer,
        this.settings.clientId,
        this.settings.clientSecret,
        client.ClientSecretBasic(this.settings.clientSecret),
        {
          timeout: 10,
          // Plain HTTP only for an issuer on this machine: the sandbox's Okta simulator.
          ...(this.settings.issuer.protocol === 'http:' && isLoopbackHost(this.settings.issuer.hostname)
            ? { execute: [client.allowInsecureRequests] }
            : {}),
        },
      )
      .catch((error: unknown) => {
        this.#configuration = undefined;
        throw error;
      });
    return this.#configuration;
  }

  /** Where to send the browser, and the state to keep in its cookie. */
  async start(redirectUri: string, returnTo: string | undefined): Promise<{ url: URL; state: string }> {
    const config = await this.#config();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const flow: Flow = { verifier, nonce, redirectUri, ...(returnTo ? { returnTo } : {}) };
    await this.#redis.set(
      this.#keys.consoleOidcFlow(stateDigest(state)),
      JSON.stringify(flow),
      'PX',
      OIDC_FLOW_TTL_MS,
    );
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state };
  }

  /** The provider sent the browser back to `callbackUrl`; `state` is what the browser's cookie holds. */
  async finish(callbackUrl: URL, state: string | undefined): Promise<OidcOutcome> {
    if (!state) return { ok: false, reason: 'expired' };
    const raw = await this.#redis.getdel(this.#keys.consoleOidcFlow(stateDigest(state)));
    if (!raw) return { ok: false, reason: 'expired' };
    const flow = JSON.parse(raw) as Flow;
    const providerError = callbackUrl.searchParams.get('error');
    if (providerError) return { ok: false, reason: 'refused', detail: providerError.slice(0, 64) };
    try {
      const config = await this.#config();
      // The callback as the provider addressed it: the registered redirect URI plus the query it added.
      const current = new URL(flow.redirectUri);
      current.search = callbackUrl.search;
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) return { ok: false, reason: 'provider-error', detail: 'no ID token' };
      let source: Record<string, unknown> = claims;
      if (!(this.settings.rolesClaim in claims) && config.serverMetadata().userinfo_endpoint) {
        source = { ...claims, ...(await client.fetchUserInfo(config, tokens.access_token, claims.sub)) };
      }
      const principal = principalFromClaims(source, this.settings, this.#tenants);
      if (!principal) return { ok: false, reason: 'no-role' };
      return { ok: true, principal, returnTo: flow.returnTo };
    } catch (error) {
      // openid-client's errors name the check that failed (state, nonce, signature…), never a token.
      const code = (error as { code?: unknown }).code;
      return {
        ok: false,
        reason: 'provider-error',
        detail: typeof code === 'string' ? code : 'exchange failed',
      };
    }
  }
}

/**
 * The role a person gets from their groups: the operator group wins; else the first `<prefix><tenant>` group of
 * a tenant that exists makes a viewer of it; else none.
 */
export function principalFromClaims(
  claims: Record<string, unknown>,
  settings: Pick<OidcSettings, 'rolesClaim' | 'operatorGroup' | 'viewerGroupPrefix'>,
  tenants: ConsoleTenants,
): Principal | undefined {
  const raw = claims[settings.rolesClaim];
  const groups = Array.isArray(raw)
    ? raw.filter((g): g is string => typeof g === 'string')
    : typeof raw === 'string'
      ? [raw]
      : [];
  const name = [claims.email, claims.preferred_username, claims.name, claims.sub].find(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  const who = (name ?? 'unknown').slice(0, 200);
  if (groups.includes(settings.operatorGroup)) return { role: 'operator', name: who, via: 'oidc' };
  const known = new Set(tenants.ids());
  for (const group of groups) {
    if (!group.startsWith(settings.viewerGroupPrefix)) continue;
    const tenant = group.slice(settings.viewerGroupPrefix.length);
    if (TENANT_ID.test(tenant) && known.has(tenant))
      return { role: 'viewer', tenant, name: who, via: 'oidc' };
  }
  return undefined;
}
