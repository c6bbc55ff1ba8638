import type { Logger } from '@byot/observability';
import express, { type Express } from 'express';
import { ManagementAuth } from './api/auth.ts';
import type { Pagination } from './api/common.ts';
import { managementApi } from './api/management-api.ts';
import { RateLimiter } from './api/rate-limit.ts';
import type { ServiceAppConfig } from './config.ts';
import { OKTA_HOOK_TIMEOUT_MS } from './hooks/telephony-caller.ts';
import type { OidcClient } from './oidc/clients.ts';
import { createOidcProvider, OIDC_SERVER_ID, type OidcProvider } from './oidc/provider.ts';
import { DEFAULT_SEED_USERS, Org, type SeedUser } from './org/org.ts';
import { type LoggedHookCall, sandboxRouter } from './signin/sandbox-router.ts';
import { SignInService } from './signin/sign-in.ts';

export interface OktaSimOptions {
  /** The org's base URL as clients reach it (OKTA_SIM_PUBLIC_URL); default: set by listen() to where it listens. */
  publicUrl?: string;
  /** The SSWS API token the Management API accepts. */
  apiToken?: string;
  /** OAuth 2.0 service apps allowed on the Management API (private_key_jwt client credentials). */
  serviceApps?: readonly ServiceAppConfig[];
  /** OpenID Connect clients of the sandbox's authorization server. */
  oidcClients?: readonly OidcClient[];
  /** Users the org starts with. Default: an operator and a viewer (see DEFAULT_SEED_USERS). */
  users?: readonly SeedUser[];
  /** Okta allows one SMS or call challenge per number per 30 s. */
  resendIntervalMs?: number;
  /** A second active telephony hook: refused (default) or accepted and skipped at sign-in (Okta's "a second is skipped"). */
  secondTelephonyHook?: 'reject' | 'skip';
  /** Hosts where plain http:// hook and token URLs are accepted besides loopback (OKTA_SIM_HTTP_HOOK_HOSTS). */
  httpHookHosts?: readonly string[];
  /** Okta's window for the whole hook call, token fetch included. Default 3000 ms; tests only change it. */
  hookTimeoutMs?: number;
  /** Page sizes of the Management API's lists (tests make them small to exercise Link pagination). */
  pagination?: Partial<Pagination>;
  /** Management API calls per minute and endpoint family before 429 (Okta's limits vary; default 600). */
  rateLimitPerMinute?: number;
  /** The provider simulator's inbox, linked from the sandbox page. */
  inboxUrl?: string;
  logger?: Logger;
  now?: () => number;
}

export interface OktaSim {
  app: Express;
  org: Org;
  oidc: OidcProvider;
  auth: ManagementAuth;
  signIn: SignInService;
  rateLimiter: RateLimiter;
  /** Every telephony hook call, newest first (execute and sign-ins). */
  hookCalls: LoggedHookCall[];
  /** The org URL, e.g. http://127.0.0.1:4020 (no trailing slash). */
  readonly publicUrl: string;
  /** `${publicUrl}/oauth2/default`. */
  readonly issuer: string;
  /** listen() calls it with the bound address when no publicUrl was configured. */
  setPublicUrl(url: string): void;
  /** Cancels in-flight hook calls, so that closing the server does not wait on them. */
  shutdown(): void;
}

const KEPT_CALLS = 200;

/** Builds the simulator without listening: mount `app` on any HTTP server (server.ts). */
export function createOktaSim(options: OktaSimOptions = {}): OktaSim {
  let publicUrl = options.publicUrl?.replace(/\/+$/, '') ?? '';
  const orgUrl = (): string => publicUrl;
  const org = new Org(options.users ?? DEFAULT_SEED_USERS);
  const issuer = (): string => `${publicUrl}/oauth2/${OIDC_SERVER_ID}`;
  const shutdown = new AbortController();
  const hookCalls: LoggedHookCall[] = [];
  const record = (call: LoggedHookCall['via']) => (result: Omit<LoggedHookCall, 'via'>) => {
    hookCalls.unshift({ ...result, via: call });
    hookCalls.length = Math.min(hookCalls.length, KEPT_CALLS);
  };
  const hookTimeoutMs = options.hookTimeoutMs ?? OKTA_HOOK_TIMEOUT_MS;
  const oidc = createOidcProvider({
    org,
    clients: options.oidcClients ?? [],
    issuer,
    ...(options.now ? { now: options.now } : {}),
  });
  const auth = new ManagementAuth({
    apiToken: options.apiToken ?? '',
    serviceApps: options.serviceApps ?? [],
    orgUrl,
    ...(options.now ? { now: options.now } : {}),
  });
  const rateLimiter = new RateLimiter(options.rateLimitPerMinute ?? 600, options.now);
  const signIn = new SignInService({
    org,
    orgUrl,
    resendIntervalMs: options.resendIntervalMs ?? 30_000,
    hookTimeoutMs,
    signal: shutdown.signal,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
    onHookCall: record('sign-in'),
  });
  if (!options.apiToken) throw new TypeError('apiToken is required');

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(`/oauth2/${OIDC_SERVER_ID}`, oidc.router);
  app.use(auth.tokenRouter());
  app.use(
    '/api/v1',
    managementApi({
      org,
      orgUrl,
      auth,
      rateLimiter,
      pagination: { defaultLimit: 200, maxLimit: 200, ...options.pagination },
      secondTelephonyHook: options.secondTelephonyHook ?? 'reject',
      ...(options.httpHookHosts ? { httpHookHosts: options.httpHookHosts } : {}),
      hookTimeoutMs,
      onHookCall: record('execute'),
      signal: shutdown.signal,
    }),
  );
  app.use(
    sandboxRouter({
      org,
      signIn,
      hookCalls: () => hookCalls,
      rateLimiter,
      ...(options.inboxUrl ? { inboxUrl: options.inboxUrl } : {}),
    }),
  );

  return {
    app,
    org,
    oidc,
    auth,
    signIn,
    rateLimiter,
    hookCalls,
    get publicUrl() {
      return publicUrl;
    },
    get issuer() {
      return issuer();
    },
    setPublicUrl(url) {
      if (publicUrl === '') publicUrl = url.replace(/\/+$/, '');
    },
    shutdown() {
      shutdown.abort();
    },
  };
}
