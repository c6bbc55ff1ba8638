import { randomBytes } from 'node:crypto';

/**
 * "Sign in with Okta" in the sandbox: the Okta simulator (okta-sim) as the support console's OpenID provider. One
 * place describes both sides — the client okta-sim registers and the CONSOLE_OIDC_* hook-ingress signs in with —
 * so `npm start` and the console's browser test wire it the same way. The people are okta-sim's own default users
 * (its DEFAULT_SEED_USERS), whose groups map to the console's roles (ADR 0016): `byot-operators` → MSP operator,
 * `byot-viewers-default` → a read-only viewer of the tenant `default`. Listed here for what start-all prints; the
 * console's OIDC browser test signs both in, so the two lists cannot drift apart unnoticed.
 */
export const SANDBOX_CONSOLE_CLIENT_ID = 'byot-console';

export const SANDBOX_CONSOLE_PEOPLE = [
  {
    login: 'operator@example.com',
    firstName: 'Olivia',
    lastName: 'Operator',
    groups: ['byot-operators'],
    role: 'MSP operator',
  },
  {
    login: 'viewer@example.com',
    firstName: 'Victor',
    lastName: 'Viewer',
    groups: ['byot-viewers-default'],
    role: 'viewer of tenant default',
  },
] as const;

export interface SandboxConsoleOidc {
  /** For okta-sim: the console's client (its default people are those above). */
  oktaSimEnv: Record<string, string>;
  /** For hook-ingress: the console's OIDC settings. */
  ingressEnv: Record<string, string>;
  issuer: string;
}

export function sandboxConsoleOidc(options: {
  /** hook-ingress's ADMIN_PORT, where the console is. */
  adminPort: number;
  /** okta-sim's base URL, e.g. http://127.0.0.1:4020. */
  oktaUrl: string;
  /** Default: a fresh one (both sides get it at start; nothing needs it to survive a restart). */
  clientSecret?: string;
}): SandboxConsoleOidc {
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const issuer = `${options.oktaUrl}/oauth2/default`;
  // Okta compares redirect URIs exactly: the console builds its own from the host the browser used.
  const redirectUris = ['127.0.0.1', 'localhost'].map(
    (host) => `http://${host}:${options.adminPort}/console/oidc/callback`,
  );
  return {
    issuer,
    oktaSimEnv: {
      OKTA_SIM_OIDC_CLIENT_ID: SANDBOX_CONSOLE_CLIENT_ID,
      OKTA_SIM_OIDC_CLIENT_SECRET: clientSecret,
      OKTA_SIM_OIDC_REDIRECT_URIS: redirectUris.join(','),
    },
    ingressEnv: {
      CONSOLE_OIDC_ISSUER: issuer,
      CONSOLE_OIDC_CLIENT_ID: SANDBOX_CONSOLE_CLIENT_ID,
      CONSOLE_OIDC_CLIENT_SECRET: clientSecret,
    },
  };
}
