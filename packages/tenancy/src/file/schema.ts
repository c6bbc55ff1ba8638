import { createPrivateKey, createPublicKey } from 'node:crypto';
import { e164 } from '@byot/config';
import { fraudPolicyOverrideSchema } from '@byot/fraud';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { SMS_PROVIDERS, TENANT_ID_PATTERN, VOICE_PROVIDERS } from '../tenant.ts';

/**
 * The tenants file (TENANTS_FILE), as operators write it. The keys the issue fixed — `tenants`, `oktaOrg`,
 * `hookAuth.{header,oauthClients,oauthIssuer}`, `oktaApi`, `adminToken`, `defaultRegion`, `sms`, `voice`, `twilio`,
 * `vonage`, `policy` — are an interface: operators and checks rely on them. Every object is strict: an unknown key
 * (a typo such as `authTokn`) is an error naming the keys that are allowed, never silently ignored.
 */

/** A strict object whose unknown-key error lists what is allowed there. */
function strict<S extends z.core.$ZodLooseShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (allowed here: ${allowed})`
        : undefined,
  });
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith('127.');
}

/** https, or http on a loopback host (the sandbox's simulators): what Okta orgs and issuers must be. */
const secureUrl = () =>
  z.string().refine((v) => {
    try {
      const url = new URL(v);
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url));
    } catch {
      return false;
    }
  }, 'must be an https:// URL (http:// only on a loopback host)');

/** An Okta org is an origin: scheme, host and port, nothing after it (the hook's `source` is checked against it). */
const oktaOrg = secureUrl()
  .refine((v) => {
    try {
      const url = new URL(v);
      return (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username;
    } catch {
      return true; // reported by secureUrl
    }
  }, 'must be the org origin only, e.g. https://acme.okta.com (no path)')
  .transform((v) => new URL(v).origin);

const secret = (minimum: number, hint: string) =>
  z.string({ error: 'required' }).min(minimum, `must be at least ${minimum} characters (${hint})`);

const headerAuth = strict({
  name: z
    .string({ error: 'required: the header Okta sends the secret in (e.g. authorization)' })
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name')
    .transform((v) => v.toLowerCase()),
  value: secret(16, 'the exact value Okta sends; use a long random secret'),
});

const oauthClient = strict({
  clientId: z
    .string({ error: 'required' })
    .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 visible ASCII characters'),
  // The same rule as OKTA_HOOK_OAUTH_CLIENT_SECRET (hook-ingress oauth/env.ts): a client secret is a password.
  clientSecret: secret(32, 'e.g. openssl rand -base64 32')
    .max(512, 'must be at most 512 characters')
    .optional(),
  /** Public JWK Set (or one JWK, or Okta's hook-key answer) for private_key_jwt. Checked again by the ingress. */
  clientJwks: z
    .unknown()
    .refine(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      'must be a JSON Web Key Set (an object with "keys") or one public JWK',
    )
    .optional(),
}).superRefine((client, ctx) => {
  const kinds = [client.clientSecret, client.clientJwks].filter((v) => v !== undefined).length;
  if (kinds !== 1) {
    ctx.addIssue({
      code: 'custom',
      message:
        kinds === 0
          ? 'needs clientSecret (client_secret_post/basic) or clientJwks (private_key_jwt)'
          : 'has both clientSecret and clientJwks: register one authentication method per client',
    });
  }
});

const scopeList = z
  .union([z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token')), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(/[\s,]+/).filter(Boolean)))
  .pipe(z.array(z.string()).min(1, 'must name at least one scope'));

const oauthIssuer = strict({
  issuer: secureUrl(),
  audience: z.string({ error: 'required' }).min(1, 'required'),
  scopes: scopeList,
  requiredCid: z.string().min(1).optional(),
  jwksUri: secureUrl().optional(),
});

const hookAuth = strict({
  header: headerAuth.optional(),
  oauthClients: z.array(oauthClient).default([]),
  oauthIssuer: oauthIssuer.optional(),
}).superRefine((auth, ctx) => {
  if (!auth.header && auth.oauthClients.length === 0 && !auth.oauthIssuer) {
    ctx.addIssue({ code: 'custom', message: 'needs at least one of header, oauthClients, oauthIssuer' });
  }
  const ids = auth.oauthClients.map((c) => c.clientId);
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i)
      ctx.addIssue({ code: 'custom', path: ['oauthClients', i, 'clientId'], message: 'is listed twice' });
  });
});

const providerOrder = <const T extends readonly [string, ...string[]]>(names: T) =>
  z
    .array(z.enum(names, { error: `must be one of: ${names.join(', ')}` }))
    .min(1, 'must name at least one provider')
    .refine((list) => new Set(list).size === list.length, 'must not name a provider twice');

const alphanumericSender = z
  .string()
  .regex(/^\+?[1-9][0-9]{6,14}$|^[A-Za-z0-9 ]{1,11}$/, 'must be a number or an alphanumeric sender id');

const twilio = strict({
  accountSid: z
    .string({ error: 'required' })
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits'),
  authToken: secret(16, 'the auth token of accountSid'),
  fromNumber: e164.optional(),
  messagingServiceSid: z
    .string()
    .regex(/^MG[0-9a-fA-F]{32}$/, 'must look like MG followed by 32 hex digits')
    .optional(),
  voiceFromNumber: e164.optional(),
});

const PEM_HINT = 'must be a PEM private key (use "$' + '{file:/run/secrets/…}" to read it from a file)';
const pemPrivateKey = z.string().refine((v) => {
  try {
    createPrivateKey(v);
    return v.includes('-----BEGIN');
  } catch {
    return false;
  }
}, PEM_HINT);

const vonage = strict({
  apiKey: z.string().min(1).optional(),
  apiSecret: z.string().min(1).optional(),
  fromNumber: alphanumericSender.optional(),
  applicationId: z.string().min(1).optional(),
  privateKey: pemPrivateKey.optional(),
  voiceFromNumber: alphanumericSender.optional(),
  signatureSecret: secret(16, "Vonage's signature secret").optional(),
});

/** SendGrid shows its event-webhook verification key as Base64 of an EC P-256 SubjectPublicKeyInfo. */
function isEcP256Spki(value: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}

const sendgrid = strict({
  apiKey: z.string().min(1).optional(),
  fromEmail: z.email().optional(),
  eventPublicKey: z
    .string()
    .refine(isEcP256Spki, 'must be the Base64 EC P-256 public key SendGrid shows for signed events')
    .optional(),
});

/**
 * `oktaApi:` — the Management API credentials of the tenant's Okta org, for `npm run okta -- … --tenant ID`
 * (the services never call Okta's Management API, so they only validate it). Either an SSWS API token or an
 * OAuth 2.0 service app (client id + private key, as OKTA_CLIENT_ID / OKTA_PRIVATE_KEY). One of the two.
 */
const OKTA_KEY_HINT =
  'must be a PEM or JWK private key (use "$' + '{file:/run/secrets/…}" to read it from a file)';
const oktaPrivateKey = z.string().refine((v) => {
  try {
    const text = v.trim();
    if (text.startsWith('{')) createPrivateKey({ key: JSON.parse(text), format: 'jwk' });
    else if (text.includes('-----BEGIN')) createPrivateKey(text);
    else return false;
    return true;
  } catch {
    return false;
  }
}, OKTA_KEY_HINT);

const oktaApi = strict({
  token: secret(20, "an Okta API token (Security → API → Tokens), used as 'SSWS <token>'").optional(),
  clientId: z
    .string()
    .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 visible ASCII characters')
    .optional(),
  privateKey: oktaPrivateKey.optional(),
  keyId: z.string().min(1).optional(),
  scopes: scopeList.optional(),
}).superRefine((api, ctx) => {
  const app = api.clientId !== undefined || api.privateKey !== undefined;
  if (api.token !== undefined && app) {
    ctx.addIssue({
      code: 'custom',
      message: 'has both token and a service app (clientId, privateKey): give one',
    });
  } else if (api.token === undefined && !app) {
    ctx.addIssue({
      code: 'custom',
      message: 'needs token, or clientId and privateKey (an OAuth 2.0 service app)',
    });
  } else if (app) {
    if (api.clientId === undefined)
      ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'required with privateKey' });
    if (api.privateKey === undefined)
      ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'required with clientId' });
  }
  if (api.token !== undefined && (api.keyId !== undefined || api.scopes !== undefined)) {
    ctx.addIssue({ code: 'custom', message: 'keyId and scopes go with a service app, not with token' });
  }
});

const region = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US or GB')
  .refine((v) => isSupportedCountry(v), 'is not a region the phone-number library knows');

/**
 * `policy:` carries the fraud controls' per-tenant overrides (camelCase keys of the fraud settings). Its schema
 * belongs to the fraud controls: by default their own (keys and values), so every service and `tenants check`
 * accept and refuse the same files; the ingress, which applies the policy, passes a stricter one (the policy it
 * makes over the environment's). NO_POLICY_SCHEMA refuses any `policy:` (for a build without fraud controls).
 */
export const NO_POLICY_SCHEMA = z.never({ error: 'is not supported by this build (no fraud policy schema)' });

export function tenantSchema(policy: z.ZodType = fraudPolicyOverrideSchema) {
  return strict({
    oktaOrg: oktaOrg,
    oktaApi: oktaApi.optional(),
    hookAuth: hookAuth,
    adminToken: secret(24, 'e.g. openssl rand -base64 32').optional(),
    defaultRegion: region.default('US'),
    sms: providerOrder(SMS_PROVIDERS).default(['twilio']),
    voice: providerOrder(VOICE_PROVIDERS).default(['twilio']),
    emailFallback: z.enum(['off', 'sendgrid']).default('off'),
    twilio: twilio.optional(),
    vonage: vonage.optional(),
    sendgrid: sendgrid.optional(),
    policy: policy.optional(),
    sendPace: strict({
      perSecond: z.number().min(0).max(100_000),
      burst: z.number().int().min(1).max(100_000).optional(),
    }).optional(),
    // Runs even when a field above is wrong, so the whole list of problems comes out in one pass.
  }).superRefine(requireRouteCredentials, { when: () => true });
}

/** Listing a provider without what it needs is an error at load, not at the first failover. */
interface RouteFields {
  sms?: unknown;
  voice?: unknown;
  emailFallback?: unknown;
  twilio?: unknown;
  vonage?: unknown;
  sendgrid?: unknown;
}

function requireRouteCredentials(tenant: RouteFields, ctx: z.RefinementCtx): void {
  // With `when: () => true` this may see a partly invalid tenant: read defensively.
  const sms: readonly string[] = Array.isArray(tenant.sms) ? tenant.sms : [];
  const voice: readonly string[] = Array.isArray(tenant.voice) ? tenant.voice : [];
  const need = (block: 'twilio' | 'vonage' | 'sendgrid', keys: string[], why: string) => {
    const present = asRecord(tenant[block]);
    if (!present) {
      ctx.addIssue({ code: 'custom', path: [block], message: `required: ${why}` });
      return;
    }
    for (const key of keys.filter((k) => present[k] === undefined))
      ctx.addIssue({ code: 'custom', path: [block, key], message: `required: ${why}` });
  };
  const either = (block: 'twilio' | 'vonage', keys: [string, string], why: string) => {
    const present = asRecord(tenant[block]);
    if (present && keys.every((k) => present[k] === undefined))
      ctx.addIssue({ code: 'custom', path: [block, keys[0]], message: `required (or ${keys[1]}): ${why}` });
  };
  if (sms.includes('twilio')) {
    need('twilio', [], 'sms lists twilio');
    either('twilio', ['fromNumber', 'messagingServiceSid'], 'sms lists twilio');
  }
  if (voice.includes('twilio')) {
    need('twilio', [], 'voice lists twilio');
    either('twilio', ['voiceFromNumber', 'fromNumber'], 'voice lists twilio');
  }
  if (sms.includes('vonage')) need('vonage', ['apiKey', 'apiSecret', 'fromNumber'], 'sms lists vonage');
  if (voice.includes('vonage')) {
    need('vonage', ['applicationId', 'privateKey'], 'voice lists vonage');
    either('vonage', ['voiceFromNumber', 'fromNumber'], 'voice lists vonage');
  }
  if (tenant.emailFallback === 'sendgrid')
    need('sendgrid', ['apiKey', 'fromEmail'], 'emailFallback is sendgrid');
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

export type ParsedTenant = z.infer<ReturnType<typeof tenantSchema>>;

/**
 * The file's outer shape. Each tenant is then parsed on its own (tenantSchema), so one broken tenant does not
 * hide the problems of the others, nor the checks across tenants among the valid ones.
 */
export const tenantsFileShape = strict({
  tenants: z
    .record(z.string(), z.unknown(), { error: 'must map tenant ids to their settings' })
    .refine((tenants) => Object.keys(tenants).length > 0, 'must list at least one tenant'),
});

export const TENANT_ID_PROBLEM =
  'is not a valid tenant id: use [a-z0-9][a-z0-9-]{0,39} (lowercase letters, digits, "-")';
export { TENANT_ID_PATTERN };
