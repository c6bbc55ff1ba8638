import type { Logger } from '@byot/observability';
import type { Tenant, TenantDirectory } from '@byot/tenancy';
import { BearerTokenAuthenticator } from '../auth/bearer-authenticator.ts';
import {
  AnyOfAuthenticators,
  HeaderSecretAuthenticator,
  type HookAuthenticator,
} from '../auth/hook-authenticator.ts';
import { AccessTokenVerifier, type TrustedIssuer } from '../oauth/access-token-verifier.ts';
import {
  type AuthorizationServer,
  type AuthorizationServers,
  authorizationServer,
  secretDigest,
  TELEPHONY_HOOK_SCOPE,
} from '../oauth/authorization-server.ts';
import { trustedIssuerOf } from '../oauth/from-config.ts';
import { JwksError, parsePublicJwks } from '../oauth/public-jwks.ts';
import { RemoteKeySet } from '../oauth/remote-key-set.ts';
import type { SigningKeys } from '../oauth/signing-keys.ts';
import type { ParseSettings } from '../okta/parse-hook.ts';
import type { HookTenant, HookTenants } from './hook-tenants.ts';

export interface TenantAccessOptions {
  directory: TenantDirectory;
  /** The deployment's parse settings; each tenant's defaultRegion replaces the region. */
  parse: ParseSettings;
  /** PUBLIC_BASE_URL: the issuer of byot's tokens and the audience (each tenant's hook URL). */
  publicBaseUrl?: string;
  /** OAUTH_SIGNING_KEY, loaded: one key for every tenant's server (their issuers, hence tokens, differ). */
  signingKeys?: SigningKeys;
  tokenTtlSeconds: number;
  /** OKTA_HOOK_OAUTH_MAX_TOKEN_AGE_SECONDS for outside issuers' tokens. */
  maxOutsideTokenAgeSeconds: number;
  /** The hook path prefix; a tenant's hook is `${hookPath}/${id}` (the audience of its tokens). */
  hookPath: string;
  log: Logger;
  /** Tests: the outside issuers' keys are fetched with this. */
  fetch?: typeof fetch;
}

interface Built {
  tenant: Tenant;
  hook: HookTenant;
  server?: AuthorizationServer;
  remoteKeys?: RemoteKeySet;
}

/**
 * Every tenant of the tenants file, as the ingress serves it: its hook authenticator (its header secret, the
 * tokens of its own authorization server at `{PUBLIC_BASE_URL}/oauth2/{id}`, its outside issuer's tokens) and
 * its authorization server for the token endpoint. Nothing is shared between tenants but the signing key: a
 * tenant's verifier trusts only its own issuer and audience, so a token, a header secret or a client of tenant A
 * is refused on tenant B's path.
 *
 * Built eagerly at start and for each tenant a reload adds or changes (an outside issuer's keys are fetched then,
 * not on Okta's clock); the built objects of a changed or removed tenant are dropped, hooks already holding them
 * finish with them.
 */
export class TenantAccess implements HookTenants, AuthorizationServers {
  readonly shared = true;
  readonly #options: TenantAccessOptions;
  readonly #built = new Map<string, Built>();
  readonly #unsubscribe: () => void;

  constructor(options: TenantAccessOptions) {
    this.#options = options;
    for (const tenant of options.directory.list()) this.#build(tenant);
    this.#unsubscribe = options.directory.onChange((changes, directory) => {
      for (const id of [...changes.removed, ...changes.changed]) this.#drop(id);
      for (const id of [...changes.added, ...changes.changed]) {
        const tenant = directory.get(id);
        if (tenant) this.#build(tenant);
      }
    });
  }

  forHook(tenantId: string): HookTenant | undefined {
    return this.#current(tenantId)?.hook;
  }

  forTenant(tenantId: string): AuthorizationServer | undefined {
    return this.#current(tenantId)?.server;
  }

  /** Whether any tenant has clients of byot's own authorization server (the token endpoint is then served). */
  get issuesTokens(): boolean {
    return [...this.#built.values()].some((b) => b.server !== undefined);
  }

  /** Outside issuers' key sets of the current tenants (each started when built). */
  remoteKeySets(): RemoteKeySet[] {
    return [...this.#built.values()].flatMap((b) => (b.remoteKeys ? [b.remoteKeys] : []));
  }

  stop(): void {
    this.#unsubscribe();
    for (const id of [...this.#built.keys()]) this.#drop(id);
  }

  /** The built view of the directory's current tenant object (never a stale one). */
  #current(tenantId: string): Built | undefined {
    const tenant = this.#options.directory.get(tenantId);
    if (!tenant) return undefined;
    const built = this.#built.get(tenantId);
    if (built && built.tenant === tenant) return built;
    return this.#build(tenant);
  }

  #drop(id: string): void {
    this.#built.get(id)?.remoteKeys?.stop();
    this.#built.delete(id);
  }

  #build(tenant: Tenant): Built {
    this.#drop(tenant.id);
    const o = this.#options;
    const authenticators: HookAuthenticator[] = [];
    const auth = tenant.hookAuth;
    if (auth.header) authenticators.push(new HeaderSecretAuthenticator(auth.header.name, auth.header.value));

    const issuers: TrustedIssuer[] = [];
    let server: AuthorizationServer | undefined;
    if (auth.oauthClients.length > 0) {
      if (o.signingKeys && o.publicBaseUrl) {
        server = authorizationServer({
          tenantId: tenant.id,
          publicBaseUrl: o.publicBaseUrl,
          audience: `${o.publicBaseUrl.replace(/\/+$/, '')}${o.hookPath}/${tenant.id}`,
          tokenTtlSeconds: o.tokenTtlSeconds,
          signingKeys: o.signingKeys,
          clients: auth.oauthClients.flatMap((client) => {
            // The file's schema checked the shape; the key material is checked here. A bad key set costs that
            // client, never the reload (the other tenants' new settings still apply).
            let jwks: ReturnType<typeof parsePublicJwks> | undefined;
            try {
              if (client.clientJwks !== undefined) jwks = parsePublicJwks(client.clientJwks);
            } catch (error) {
              const reason = error instanceof JwksError ? error.message : 'unreadable';
              o.log.error(
                { tenant: tenant.id, clientId: client.clientId, reason },
                'OAuth client refused: clientJwks',
              );
              return [];
            }
            return [
              {
                clientId: client.clientId,
                ...(client.clientSecret === undefined
                  ? {}
                  : { secretDigest: secretDigest(client.clientSecret) }),
                ...(jwks === undefined ? {} : { jwks }),
                scopes: [TELEPHONY_HOOK_SCOPE],
              },
            ];
          }),
        });
        issuers.push(trustedIssuerOf(server));
      } else {
        o.log.error(
          { tenant: tenant.id },
          'tenant lists oauthClients but OAUTH_SIGNING_KEY or PUBLIC_BASE_URL is not set: its token endpoint is off',
        );
      }
    }
    let remoteKeys: RemoteKeySet | undefined;
    if (auth.oauthIssuer) {
      const outside = auth.oauthIssuer;
      remoteKeys = new RemoteKeySet({
        issuer: outside.issuer,
        ...(outside.jwksUri === undefined ? {} : { jwksUri: outside.jwksUri }),
        log: o.log.child({ tenant: tenant.id }),
        ...(o.fetch ? { fetch: o.fetch } : {}),
      });
      remoteKeys.start();
      issuers.push({
        issuer: outside.issuer,
        audience: outside.audience,
        requiredScopes: outside.scopes,
        ...(outside.requiredCid === undefined ? {} : { requiredClientId: outside.requiredCid }),
        maxTokenAgeSeconds: o.maxOutsideTokenAgeSeconds,
        getKey: remoteKeys.getKey,
      });
    }
    if (issuers.length > 0)
      authenticators.push(new BearerTokenAuthenticator(new AccessTokenVerifier(issuers)));

    const hook: HookTenant = {
      id: tenant.id,
      // The schema requires one scheme at least; an OAuth-only tenant without a signing key accepts nothing.
      authenticator:
        authenticators.length === 1
          ? (authenticators[0] as HookAuthenticator)
          : new AnyOfAuthenticators(authenticators.length > 0 ? authenticators : [refuseAll]),
      parse: { ...o.parse, defaultRegion: tenant.defaultRegion },
      ...(tenant.oktaOrg === undefined ? {} : { oktaOrg: tenant.oktaOrg }),
    };
    const built: Built = {
      tenant,
      hook,
      ...(server ? { server } : {}),
      ...(remoteKeys ? { remoteKeys } : {}),
    };
    this.#built.set(tenant.id, built);
    return built;
  }
}

const refuseAll: HookAuthenticator = {
  authenticate: async () => ({ ok: false, reason: 'no-usable-scheme' }),
};
