import { jsonFromEnv } from '@byot/config';
import { z } from 'zod';
import { JwksError, parsePublicJwks } from './public-jwks.ts';
import { isTrustedKeyUrl } from './remote-key-set.ts';
import { parseSigningKeyConfig, SigningKeyError } from './signing-keys.ts';

const schemeList = z
  .string()
  .default('header')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(z.enum(['header', 'oauth'], { error: 'must be a comma-separated list of: header, oauth' }))
      .min(1, 'must name at least one scheme: header, oauth')
      .refine((list) => new Set(list).size === list.length, 'must not name a scheme twice'),
  );

/** A space- or comma-separated list of scope names. */
const scopeList = z
  .string()
  .transform((v) => v.split(/[\s,]+/).filter(Boolean))
  .pipe(
    z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be scope names (RFC 6749 §3.3)'))
      .min(1, 'must name at least one scope'),
  );

const keyUrl = (what: string) =>
  z
    .url({ error: `must be the ${what} URL` })
    .refine(isTrustedKeyUrl, 'must be https:// (http only on a loopback host such as 127.0.0.1)');

/**
 * Okta's OAuth 2.0 hook authentication (issue 12; the names are fixed: operators and checks rely on them). Two forms:
 * byot as the authorization server (one client from the environment; tenancy adds more), and bearer tokens of an
 * external authorization server such as an Okta custom authorization server.
 */
export const oauthEnv = {
  /** Accepted schemes on the hook: `header`, `oauth`, or both during a migration. */
  OKTA_HOOK_AUTH: schemeList,
  /** byot's own authorization server: the client Okta is configured with (Client ID / Client Secret). */
  OKTA_HOOK_OAUTH_CLIENT_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 visible ASCII characters')
    .optional(),
  OKTA_HOOK_OAUTH_CLIENT_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)')
    .max(512, 'must be at most 512 characters')
    .optional(),
  /** That client's public keys for private_key_jwt: a JWK Set, a JWK, or Okta's hook-key answer (`_embedded`). */
  OKTA_HOOK_OAUTH_CLIENT_JWKS: jsonFromEnv(z.unknown())
    .transform((value, ctx) => {
      try {
        return parsePublicJwks(value);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: error instanceof JwksError ? error.message : 'not a JWK Set',
        });
        return z.NEVER;
      }
    })
    .optional(),
  /** PEM private key (RSA ≥ 2048 or EC P-256) or a private JWK Set (first signs, all verify). */
  OAUTH_SIGNING_KEY: z
    .string()
    .transform((value, ctx) => {
      try {
        return parseSigningKeyConfig(value);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: error instanceof SigningKeyError ? error.message : 'unreadable',
        });
        return z.NEVER;
      }
    })
    .optional(),
  OAUTH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400, 'must be at most 86400 (a day)')
    .default(3_600),
  /** An external authorization server whose access tokens the hook accepts (exact `iss`). */
  OKTA_HOOK_OAUTH_ISSUER: keyUrl('issuer').optional(),
  /** The `aud` its tokens must carry (Okta's default authorization server: api://default). */
  OKTA_HOOK_OAUTH_AUDIENCE: z.string().min(1).max(512).optional(),
  /** Every listed scope must be in the token's `scp`. */
  OKTA_HOOK_OAUTH_SCOPES: scopeList.optional(),
  /** When set, the token's `cid` must equal it (the API Services app Okta's hook uses). */
  OKTA_HOOK_OAUTH_REQUIRED_CID: z.string().min(1).max(128).optional(),
  /** The issuer's JWKS; otherwise read from its metadata. */
  OKTA_HOOK_OAUTH_JWKS_URI: keyUrl('JWKS').optional(),
  /** Tokens older than this (by `iat`) are refused on the hook whatever their `exp`; Okta's live at most a day. */
  OKTA_HOOK_OAUTH_MAX_TOKEN_AGE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(86_400),
};

type Cfg = Record<string, unknown>;

/** Cross-field rules of the fragment above (and OKTA_HOOK_AUTH_SECRET, now needed only for `header`). */
export function checkHookAuthentication(cfg: Cfg, ctx: z.RefinementCtx): void {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const schemes = cfg.OKTA_HOOK_AUTH as string[];
  const set = (name: string) => cfg[name] !== undefined;
  if (schemes.includes('header') && !set('OKTA_HOOK_AUTH_SECRET')) {
    problem(
      'OKTA_HOOK_AUTH_SECRET',
      'required: the exact value Okta sends in the auth header (OKTA_HOOK_AUTH includes header)',
    );
  }
  if (schemes.includes('oauth') && !set('OKTA_HOOK_OAUTH_CLIENT_ID') && !set('OKTA_HOOK_OAUTH_ISSUER')) {
    problem(
      'OKTA_HOOK_AUTH',
      'includes oauth: set OKTA_HOOK_OAUTH_CLIENT_ID (byot issues the tokens) or OKTA_HOOK_OAUTH_ISSUER (Okta does), or both',
    );
  }
  if (set('OKTA_HOOK_OAUTH_CLIENT_ID')) {
    if (!set('OKTA_HOOK_OAUTH_CLIENT_SECRET') && !set('OKTA_HOOK_OAUTH_CLIENT_JWKS')) {
      problem(
        'OKTA_HOOK_OAUTH_CLIENT_SECRET',
        'required (or OKTA_HOOK_OAUTH_CLIENT_JWKS for private_key_jwt): OKTA_HOOK_OAUTH_CLIENT_ID is set',
      );
    }
    if (!set('OAUTH_SIGNING_KEY'))
      problem('OAUTH_SIGNING_KEY', 'required: byot issues tokens (OKTA_HOOK_OAUTH_CLIENT_ID is set)');
    if (!set('PUBLIC_BASE_URL')) {
      problem(
        'PUBLIC_BASE_URL',
        'required: it is the issuer of byot’s tokens (OKTA_HOOK_OAUTH_CLIENT_ID is set)',
      );
    }
  } else {
    for (const name of ['OKTA_HOOK_OAUTH_CLIENT_SECRET', 'OKTA_HOOK_OAUTH_CLIENT_JWKS']) {
      if (set(name)) problem(name, 'needs OKTA_HOOK_OAUTH_CLIENT_ID (the client it belongs to)');
    }
  }
  if (set('OKTA_HOOK_OAUTH_ISSUER')) {
    if (!set('OKTA_HOOK_OAUTH_AUDIENCE'))
      problem('OKTA_HOOK_OAUTH_AUDIENCE', 'required: OKTA_HOOK_OAUTH_ISSUER is set');
    if (!set('OKTA_HOOK_OAUTH_SCOPES')) {
      problem(
        'OKTA_HOOK_OAUTH_SCOPES',
        'required: OKTA_HOOK_OAUTH_ISSUER is set (without a scope, any client of that authorization server could call the hook)',
      );
    }
  } else {
    for (const name of [
      'OKTA_HOOK_OAUTH_AUDIENCE',
      'OKTA_HOOK_OAUTH_SCOPES',
      'OKTA_HOOK_OAUTH_REQUIRED_CID',
      'OKTA_HOOK_OAUTH_JWKS_URI',
    ]) {
      if (set(name)) problem(name, 'needs OKTA_HOOK_OAUTH_ISSUER (the authorization server it belongs to)');
    }
  }
}
