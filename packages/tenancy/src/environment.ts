import {
  DEFAULT_TENANT_ID,
  type HookAuthSettings,
  type SmsProviderName,
  type Tenant,
  type TenantsConfig,
  type VoiceProviderName,
} from './tenant.ts';

/**
 * The single-org setup, unchanged: without TENANTS_FILE the environment describes one tenant, `default`, served on
 * today's unprefixed paths. Each service passes its own parsed configuration (already validated by its env
 * schema), so a field a service does not read is simply absent: the ingress has no Vonage API key, a worker no
 * hook secret. Nothing here re-validates; it only maps today's variable names onto a tenant.
 */
export interface TenantEnvironment {
  /** `header`, `oauth` or both (comma list or parsed list); unset means header only, as before OAuth. */
  OKTA_HOOK_AUTH?: string | readonly string[] | undefined;
  OKTA_HOOK_AUTH_HEADER?: string | undefined;
  OKTA_HOOK_AUTH_SECRET?: string | undefined;
  OKTA_HOOK_OAUTH_CLIENT_ID?: string | undefined;
  OKTA_HOOK_OAUTH_CLIENT_SECRET?: string | undefined;
  /** JSON text or already parsed. */
  OKTA_HOOK_OAUTH_CLIENT_JWKS?: unknown;
  OKTA_HOOK_OAUTH_ISSUER?: string | undefined;
  OKTA_HOOK_OAUTH_AUDIENCE?: string | undefined;
  OKTA_HOOK_OAUTH_SCOPES?: string | readonly string[] | undefined;
  OKTA_HOOK_OAUTH_REQUIRED_CID?: string | undefined;
  OKTA_HOOK_OAUTH_JWKS_URI?: string | undefined;
  DEFAULT_PHONE_REGION?: string | undefined;
  SMS_PROVIDERS?: readonly string[] | undefined;
  VOICE_PROVIDERS?: readonly string[] | undefined;
  EMAIL_FALLBACK?: string | undefined;
  TWILIO_ACCOUNT_SID?: string | undefined;
  TWILIO_AUTH_TOKEN?: string | undefined;
  TWILIO_FROM_NUMBER?: string | undefined;
  TWILIO_MESSAGING_SERVICE_SID?: string | undefined;
  TWILIO_VOICE_FROM_NUMBER?: string | undefined;
  VONAGE_API_KEY?: string | undefined;
  VONAGE_API_SECRET?: string | undefined;
  VONAGE_FROM_NUMBER?: string | undefined;
  VONAGE_APPLICATION_ID?: string | undefined;
  /** PEM text or, from the environment only, a path to a PEM file (as VONAGE_PRIVATE_KEY has always allowed). */
  VONAGE_PRIVATE_KEY?: string | undefined;
  VONAGE_VOICE_FROM_NUMBER?: string | undefined;
  VONAGE_SIGNATURE_SECRET?: string | undefined;
  SENDGRID_API_KEY?: string | undefined;
  SENDGRID_FROM_EMAIL?: string | undefined;
  SENDGRID_EVENT_PUBLIC_KEY?: string | undefined;
}

export function tenantFromEnvironment(env: TenantEnvironment): Tenant {
  const tenant: Tenant = {
    id: DEFAULT_TENANT_ID,
    origin: 'environment',
    hookAuth: hookAuthFromEnvironment(env),
    defaultRegion: env.DEFAULT_PHONE_REGION ?? 'US',
    sms: (env.SMS_PROVIDERS ?? ['twilio']) as SmsProviderName[],
    voice: (env.VOICE_PROVIDERS ?? ['twilio']) as VoiceProviderName[],
    emailFallback: env.EMAIL_FALLBACK === 'sendgrid' ? 'sendgrid' : 'off',
    ...(env.TWILIO_ACCOUNT_SID !== undefined || env.TWILIO_AUTH_TOKEN !== undefined
      ? {
          twilio: defined({
            accountSid: env.TWILIO_ACCOUNT_SID ?? '',
            authToken: env.TWILIO_AUTH_TOKEN ?? '',
            fromNumber: env.TWILIO_FROM_NUMBER,
            messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
            voiceFromNumber: env.TWILIO_VOICE_FROM_NUMBER,
          }),
        }
      : {}),
    ...optionalBlock('vonage', {
      apiKey: env.VONAGE_API_KEY,
      apiSecret: env.VONAGE_API_SECRET,
      fromNumber: env.VONAGE_FROM_NUMBER,
      applicationId: env.VONAGE_APPLICATION_ID,
      privateKey: env.VONAGE_PRIVATE_KEY,
      voiceFromNumber: env.VONAGE_VOICE_FROM_NUMBER,
      signatureSecret: env.VONAGE_SIGNATURE_SECRET,
    }),
    ...optionalBlock('sendgrid', {
      apiKey: env.SENDGRID_API_KEY,
      fromEmail: env.SENDGRID_FROM_EMAIL,
      eventPublicKey: env.SENDGRID_EVENT_PUBLIC_KEY,
    }),
  };
  return Object.freeze(tenant);
}

export function environmentTenants(env: TenantEnvironment): TenantsConfig {
  return { origin: 'environment', tenants: new Map([[DEFAULT_TENANT_ID, tenantFromEnvironment(env)]]) };
}

function hookAuthFromEnvironment(env: TenantEnvironment): HookAuthSettings {
  const schemes = listOf(env.OKTA_HOOK_AUTH ?? ['header']).map((s) => s.toLowerCase());
  const auth: HookAuthSettings = { oauthClients: [] };
  if (schemes.includes('header') && env.OKTA_HOOK_AUTH_SECRET !== undefined) {
    auth.header = {
      name: (env.OKTA_HOOK_AUTH_HEADER ?? 'authorization').toLowerCase(),
      value: env.OKTA_HOOK_AUTH_SECRET,
    };
  }
  if (!schemes.includes('oauth')) return auth;
  if (env.OKTA_HOOK_OAUTH_CLIENT_ID !== undefined) {
    const jwks = env.OKTA_HOOK_OAUTH_CLIENT_JWKS;
    auth.oauthClients.push({
      clientId: env.OKTA_HOOK_OAUTH_CLIENT_ID,
      ...(env.OKTA_HOOK_OAUTH_CLIENT_SECRET !== undefined
        ? { clientSecret: env.OKTA_HOOK_OAUTH_CLIENT_SECRET }
        : {}),
      ...(jwks !== undefined ? { clientJwks: typeof jwks === 'string' ? JSON.parse(jwks) : jwks } : {}),
    });
  }
  if (env.OKTA_HOOK_OAUTH_ISSUER !== undefined && env.OKTA_HOOK_OAUTH_AUDIENCE !== undefined) {
    auth.oauthIssuer = defined({
      issuer: env.OKTA_HOOK_OAUTH_ISSUER,
      audience: env.OKTA_HOOK_OAUTH_AUDIENCE,
      scopes: listOf(env.OKTA_HOOK_OAUTH_SCOPES ?? [], /[\s,]+/),
      requiredCid: env.OKTA_HOOK_OAUTH_REQUIRED_CID,
      jwksUri: env.OKTA_HOOK_OAUTH_JWKS_URI,
    });
  }
  return auth;
}

function listOf(value: string | readonly string[], separator: RegExp = /,/): string[] {
  const items = typeof value === 'string' ? value.split(separator) : [...value];
  return items.map((item) => item.trim()).filter(Boolean);
}

function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function optionalBlock<K extends string, T extends object>(key: K, value: T): { [P in K]?: T } {
  const present = defined(value);
  return Object.keys(present).length === 0 ? {} : ({ [key]: present } as { [P in K]?: T });
}
