import { ConfigError, httpUrl } from '@byot/config';
import { z } from 'zod';
import type { ThrottleLimit } from '../../auth/failure-throttle.ts';
import type { OidcSettings } from './oidc.ts';
import type { SessionSettings } from './sessions.ts';

/** The support console's environment (hook-ingress's admin port). Names fixed by issue 16: CONSOLE_OIDC_*. */
export const consoleEnv = {
  /** Okta (or any OpenID provider) for "Sign in with Okta": the issuer, e.g. https://acme.okta.com. */
  CONSOLE_OIDC_ISSUER: httpUrl.optional(),
  CONSOLE_OIDC_CLIENT_ID: z.string().min(1).max(200).optional(),
  CONSOLE_OIDC_CLIENT_SECRET: z
    .string()
    .min(8, 'must be the client secret of CONSOLE_OIDC_CLIENT_ID')
    .optional(),
  /** Scopes asked for; Okta's org authorization server puts `groups` in the ID token with the `groups` scope. */
  CONSOLE_OIDC_SCOPES: z
    .string()
    .refine((v) => v.split(/\s+/).includes('openid'), 'must include openid')
    .default('openid profile email groups'),
  /** The claim listing the person's groups. */
  CONSOLE_OIDC_ROLES_CLAIM: z.string().min(1).max(100).default('groups'),
  /** Members of this group are MSP operators (every tenant, actions). */
  CONSOLE_OIDC_OPERATOR_GROUP: z.string().min(1).max(200).default('byot-operators'),
  /** Members of `<prefix><tenant id>` are read-only viewers of that tenant (byot-viewers-default). */
  CONSOLE_OIDC_VIEWER_GROUP_PREFIX: z.string().min(1).max(100).default('byot-viewers-'),
  /**
   * The console's address as browsers reach it (e.g. https://byot-admin.example.com), when a proxy stands in front
   * of the admin port: the OIDC redirect URI is built from it, and its host decides whether cookies are Secure.
   * Unset: taken from each request.
   */
  CONSOLE_PUBLIC_URL: httpUrl.transform((v) => v.replace(/\/+$/, '')).optional(),
  /** A session ends after this long without a request… */
  CONSOLE_SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(1_800),
  /** …and this long after signing in, whatever happens. */
  CONSOLE_SESSION_MAX_SECONDS: z.coerce.number().int().min(300).max(604_800).default(28_800),
  /**
   * The token sign-in is throttled per client address: after this many wrong tokens within the window, that
   * address is refused (429) until the window has passed — generous for a person mistyping, hopeless for guessing.
   */
  CONSOLE_SIGN_IN_MAX_FAILURES: z.coerce.number().int().min(2).max(1_000).default(10),
  CONSOLE_SIGN_IN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
};

const consoleEnvSchema = z.object(consoleEnv);
type ConsoleEnv = z.infer<typeof consoleEnvSchema>;

export interface ConsoleSettings {
  sessions: SessionSettings;
  publicUrl: URL | undefined;
  oidc: OidcSettings | undefined;
  /** Wrong tokens per client address (undefined: the defaults above). */
  signInThrottle?: ThrottleLimit;
}

/** The console's settings; throws ConfigError naming what is missing when OIDC is half configured. */
export function consoleSettings(env: ConsoleEnv): ConsoleSettings {
  const oidcVars = {
    CONSOLE_OIDC_ISSUER: env.CONSOLE_OIDC_ISSUER,
    CONSOLE_OIDC_CLIENT_ID: env.CONSOLE_OIDC_CLIENT_ID,
    CONSOLE_OIDC_CLIENT_SECRET: env.CONSOLE_OIDC_CLIENT_SECRET,
  };
  const missing = Object.entries(oidcVars).filter(([, v]) => v === undefined);
  if (missing.length > 0 && missing.length < 3) {
    throw new ConfigError(
      missing.map(
        ([name]) => `${name}: required with the other CONSOLE_OIDC_* variables ("Sign in with Okta")`,
      ),
    );
  }
  if (env.CONSOLE_SESSION_IDLE_SECONDS > env.CONSOLE_SESSION_MAX_SECONDS) {
    throw new ConfigError([
      'CONSOLE_SESSION_IDLE_SECONDS: must not be longer than CONSOLE_SESSION_MAX_SECONDS',
    ]);
  }
  return {
    sessions: {
      idleMs: env.CONSOLE_SESSION_IDLE_SECONDS * 1000,
      maxMs: env.CONSOLE_SESSION_MAX_SECONDS * 1000,
    },
    publicUrl: env.CONSOLE_PUBLIC_URL ? new URL(env.CONSOLE_PUBLIC_URL) : undefined,
    signInThrottle: {
      failures: env.CONSOLE_SIGN_IN_MAX_FAILURES,
      windowSeconds: env.CONSOLE_SIGN_IN_WINDOW_SECONDS,
      blockSeconds: env.CONSOLE_SIGN_IN_WINDOW_SECONDS,
    },
    oidc:
      missing.length === 0
        ? {
            issuer: new URL(env.CONSOLE_OIDC_ISSUER as string),
            clientId: env.CONSOLE_OIDC_CLIENT_ID as string,
            clientSecret: env.CONSOLE_OIDC_CLIENT_SECRET as string,
            scopes: env.CONSOLE_OIDC_SCOPES,
            rolesClaim: env.CONSOLE_OIDC_ROLES_CLAIM,
            operatorGroup: env.CONSOLE_OIDC_OPERATOR_GROUP,
            viewerGroupPrefix: env.CONSOLE_OIDC_VIEWER_GROUP_PREFIX,
          }
        : undefined,
  };
}
