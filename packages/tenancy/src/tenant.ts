/**
 * A tenant is one customer Okta org served by this deployment: its own hook path and credentials, its own
 * provider accounts and sender numbers, its own policy. The single-org setup is the tenant `default`, described
 * by the environment; with a tenants file (TENANTS_FILE) every tenant is described there.
 *
 * Everything here is plain data, built once per (re)load and never mutated: a reload swaps whole objects, so a
 * request or a job that holds a tenant keeps a consistent view of it to the end.
 */

// Tenant ids and the scoped delivery id live in the contracts: every service and package shares them.
export { DEFAULT_TENANT_ID, isTenantId, TENANT_ID_PATTERN } from '@byot/contracts';

export const SMS_PROVIDERS = ['twilio', 'vonage'] as const;
export const VOICE_PROVIDERS = ['twilio', 'vonage'] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];
export type VoiceProviderName = (typeof VOICE_PROVIDERS)[number];

/** Okta's "HTTP header" authentication: the header and the exact value Okta sends. */
export interface HeaderAuth {
  /** Lower-case header name. */
  name: string;
  value: string;
}

/**
 * A client of byot's own token endpoint (`{PUBLIC_BASE_URL}/oauth2/{tenant}/v1/token`): a secret for
 * client_secret_post / client_secret_basic, or public keys for private_key_jwt (Okta's hook key).
 */
export interface OAuthClient {
  clientId: string;
  clientSecret?: string;
  /** A JWK Set (or one JWK, or Okta's hook-key answer) with the client's PUBLIC keys. */
  clientJwks?: unknown;
}

/** Bearer tokens from an outside authorization server (an Okta custom authorization server). */
export interface OAuthIssuer {
  issuer: string;
  audience: string;
  /** Every listed scope must be in the token's `scp`. */
  scopes: string[];
  /** The token's `cid` must equal it. */
  requiredCid?: string;
  /** Otherwise discovered from the issuer's metadata. */
  jwksUri?: string;
}

export interface HookAuthSettings {
  header?: HeaderAuth;
  oauthClients: OAuthClient[];
  oauthIssuer?: OAuthIssuer;
}

/**
 * The Management API credentials of the tenant's Okta org (`oktaApi:`), for the okta command (`--tenant ID`):
 * an SSWS API token, or an OAuth 2.0 service app.
 */
export type OktaApiCredentials =
  | { token: string }
  | { clientId: string; privateKey: string; keyId?: string; scopes?: string[] };

export interface TwilioAccount {
  accountSid: string;
  authToken: string;
  fromNumber?: string;
  messagingServiceSid?: string;
  voiceFromNumber?: string;
}

export interface VonageAccount {
  apiKey?: string;
  apiSecret?: string;
  fromNumber?: string;
  applicationId?: string;
  /** PEM text of the Voice application's private key. */
  privateKey?: string;
  voiceFromNumber?: string;
  /** Verifies Vonage's signed delivery receipts and voice events on this tenant's callback paths. */
  signatureSecret?: string;
}

export interface SendgridAccount {
  apiKey?: string;
  fromEmail?: string;
  /** Verifies SendGrid's signed event webhook on this tenant's callback path (Base64 EC P-256 SPKI). */
  eventPublicKey?: string;
}

export interface Tenant {
  id: string;
  /** Where this tenant's settings came from: the tenants file, or the environment (single-org setup). */
  origin: 'file' | 'environment';
  /**
   * The Okta org's origin (`https://acme.okta.com`): the hook's `source` must lie under it. Absent only for the
   * environment's `default` tenant, which has never had such a check.
   */
  oktaOrg?: string;
  /** How the okta command reaches that org's Management API (never used by the services). */
  oktaApi?: OktaApiCredentials;
  hookAuth: HookAuthSettings;
  /** Sees this tenant's deliveries and usage only (the environment's ADMIN_TOKEN sees every tenant). */
  adminToken?: string;
  /** Region for numbers Okta sends without a country code. */
  defaultRegion: string;
  /** Provider order per channel. */
  sms: SmsProviderName[];
  voice: VoiceProviderName[];
  /** E-mail the code to the person's Okta login as a last resort. */
  emailFallback: 'off' | 'sendgrid';
  twilio?: TwilioAccount;
  vonage?: VonageAccount;
  sendgrid?: SendgridAccount;
  /** The fraud controls' per-tenant overrides (`policy:`), as the fraud policy schema parsed them. */
  policy?: Readonly<Record<string, unknown>>;
  /**
   * This tenant's send pace (`sendPace:`), over the deployment's TENANT_SENDS_PER_SECOND / TENANT_SEND_BURST:
   * codes a second after `burst` at once; beyond it codes are delayed, never refused (ADR 0023). 0: no pace.
   */
  sendPace?: { perSecond: number; burst?: number };
}

/** Everything a deployment serves: one tenant (environment) or those of the tenants file. */
export interface TenantsConfig {
  origin: 'file' | 'environment';
  tenants: ReadonlyMap<string, Tenant>;
}

/** The environment variable names `tenants add` proposes for a tenant's secrets: `acme-eu` → `ACME_EU_…`. */
export function envNameFor(tenantId: string, suffix: string): string {
  return `${tenantId.toUpperCase().replace(/-/g, '_')}_${suffix}`;
}
