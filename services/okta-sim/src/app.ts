import type { Logger } from '@byot/observability';
import express, { type Express } from 'express';
import type { ServiceAppConfig } from './config.ts';
import type { OidcClient } from './oidc/clients.ts';
import { createOidcProvider, OIDC_SERVER_ID, type OidcProvider } from './oidc/provider.ts';
import { DEFAULT_SEED_USERS, Org, type SeedUser } from './org/org.ts';

export interface OktaSimOptions {
  /** The org's base URL as clients reach it (OKTA_SIM_PUBLIC_URL); default: set by listen() to where it listens. */
  publicUrl?: string;
  /** OpenID Connect clients of the sandbox's authorization server. */
  oidcClients?: readonly OidcClient[];
  /** Users the org starts with. Default: an operator and a viewer (see DEFAULT_SEED_USERS). */
  users?: readonly SeedUser[];
  /** The SSWS API token the Management API accepts. */
  apiToken?: string;
  /** OAuth 2.0 service apps allowed on the Management API (private_key_jwt client credentials). */
  serviceApps?: readonly ServiceAppConfig[];
  /** Okta allows one SMS or call challenge per number per 30 s. */
  resendIntervalMs?: number;
  /** A second active telephony hook: refused (default) or accepted and skipped at sign-in (Okta's "a second is skipped"). */
  secondTelephonyHook?: 'reject' | 'skip';
  /** Okta's window for the whole hook call, token fetch included. Default 3000 ms; tests only change it. */
  hookTimeoutMs?: number;
  logger?: Logger;
  now?: () => number;
}

export interface OktaSim {
  app: Express;
  org: Org;
  oidc: OidcProvider;
  /** The org URL, e.g. http://127.0.0.1:4020 (no trailing slash). */
  readonly publicUrl: string;
  /** `${publicUrl}/oauth2/default`. */
  readonly issuer: string;
  /** listen() calls it with the bound address when no publicUrl was configured. */
  setPublicUrl(url: string): void;
  /** Cancels timers and in-flight hook calls, so that closing the server does not wait on them. */
  shutdown(): void;
}

/** Builds the simulator without listening: mount `app` on any HTTP server (server.ts). */
export function createOktaSim(options: OktaSimOptions = {}): OktaSim {
  let publicUrl = options.publicUrl?.replace(/\/+$/, '') ?? '';
  const org = new Org(options.users ?? DEFAULT_SEED_USERS);
  const issuer = (): string => `${publicUrl}/oauth2/${OIDC_SERVER_ID}`;
  const oidc = createOidcProvider({
    org,
    clients: options.oidcClients ?? [],
    issuer,
    ...(options.now ? { now: options.now } : {}),
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(`/oauth2/${OIDC_SERVER_ID}`, oidc.router);

  return {
    app,
    org,
    oidc,
    get publicUrl() {
      return publicUrl;
    },
    get issuer() {
      return issuer();
    },
    setPublicUrl(url) {
      if (publicUrl === '') publicUrl = url.replace(/\/+$/, '');
    },
    shutdown() {},
  };
}
