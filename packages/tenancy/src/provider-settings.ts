import { createHash } from 'node:crypto';
import type { Tenant } from './tenant.ts';

/**
 * A tenant's provider accounts in the shape the provider registry builds adapters from: the environment's
 * variable names (TWILIO_ACCOUNT_SID, …), the same the single-org setup has always used. A worker builds each
 * tenant's routes from `settingsForTenant(deploymentConfig, tenant)`.
 */
export interface TenantProviderEnvironment {
  SMS_PROVIDERS: string[];
  VOICE_PROVIDERS: string[];
  EMAIL_FALLBACK: 'off' | 'sendgrid';
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_FROM_NUMBER?: string;
  TWILIO_MESSAGING_SERVICE_SID?: string;
  TWILIO_VOICE_FROM_NUMBER?: string;
  VONAGE_API_KEY?: string;
  VONAGE_API_SECRET?: string;
  VONAGE_FROM_NUMBER?: string;
  VONAGE_APPLICATION_ID?: string;
  VONAGE_PRIVATE_KEY?: string;
  VONAGE_VOICE_FROM_NUMBER?: string;
  VONAGE_SIGNATURE_SECRET?: string;
  SENDGRID_API_KEY?: string;
  SENDGRID_FROM_EMAIL?: string;
  SENDGRID_EVENT_PUBLIC_KEY?: string;
}

/**
 * Every account-specific variable. A tenant's settings start from the deployment's configuration with all of
 * these removed, so a tenant never falls back on the environment's (or another tenant's) account or sender.
 * Deployment-wide ones (TWILIO_API_BASE_URL, VONAGE_REST_HOST, PROVIDER_TIMEOUT_MS, …) stay.
 */
export const ACCOUNT_VARIABLES = [
  'SMS_PROVIDERS',
  'VOICE_PROVIDERS',
  'EMAIL_FALLBACK',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_FROM_NUMBER',
  'TWILIO_MESSAGING_SERVICE_SID',
  'TWILIO_VOICE_FROM_NUMBER',
  'VONAGE_API_KEY',
  'VONAGE_API_SECRET',
  'VONAGE_FROM_NUMBER',
  'VONAGE_APPLICATION_ID',
  'VONAGE_PRIVATE_KEY',
  'VONAGE_VOICE_FROM_NUMBER',
  'VONAGE_SIGNATURE_SECRET',
  'SENDGRID_API_KEY',
  'SENDGRID_FROM_EMAIL',
  'SENDGRID_EVENT_PUBLIC_KEY',
] as const satisfies ReadonlyArray<keyof TenantProviderEnvironment>;

export function providerEnvironmentOf(tenant: Tenant): TenantProviderEnvironment {
  const { twilio, vonage, sendgrid } = tenant;
  const env: Record<string, unknown> = {
    SMS_PROVIDERS: [...tenant.sms],
    VOICE_PROVIDERS: [...tenant.voice],
    EMAIL_FALLBACK: tenant.emailFallback,
    TWILIO_ACCOUNT_SID: twilio?.accountSid,
    TWILIO_AUTH_TOKEN: twilio?.authToken,
    TWILIO_FROM_NUMBER: twilio?.fromNumber,
    TWILIO_MESSAGING_SERVICE_SID: twilio?.messagingServiceSid,
    TWILIO_VOICE_FROM_NUMBER: twilio?.voiceFromNumber,
    VONAGE_API_KEY: vonage?.apiKey,
    VONAGE_API_SECRET: vonage?.apiSecret,
    VONAGE_FROM_NUMBER: vonage?.fromNumber,
    VONAGE_APPLICATION_ID: vonage?.applicationId,
    VONAGE_PRIVATE_KEY: vonage?.privateKey,
    VONAGE_VOICE_FROM_NUMBER: vonage?.voiceFromNumber,
    VONAGE_SIGNATURE_SECRET: vonage?.signatureSecret,
    SENDGRID_API_KEY: sendgrid?.apiKey,
    SENDGRID_FROM_EMAIL: sendgrid?.fromEmail,
    SENDGRID_EVENT_PUBLIC_KEY: sendgrid?.eventPublicKey,
  };
  return Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined),
  ) as unknown as TenantProviderEnvironment;
}

/** The deployment's configuration with the tenant's accounts in place of the environment's. */
export function settingsForTenant<C extends object>(
  deployment: C,
  tenant: Tenant,
): Omit<C, (typeof ACCOUNT_VARIABLES)[number]> & TenantProviderEnvironment {
  const base = { ...deployment } as Record<string, unknown>;
  for (const name of ACCOUNT_VARIABLES) delete base[name];
  return { ...base, ...providerEnvironmentOf(tenant) } as Omit<C, (typeof ACCOUNT_VARIABLES)[number]> &
    TenantProviderEnvironment;
}

/**
 * Which credential set of a provider a tenant sends with, for circuit breakers and failover: a breaker belongs
 * to a provider AND an account, so one customer's suspended Twilio subaccount opens that account's breaker
 * only. Tenants that share an account share its breaker (the account is down for all of them).
 *
 * The environment's single-org tenant answers undefined: its breakers keep today's keys, so a rolling upgrade
 * keeps their state. The id is a digest of the account's identifier (never of a secret alone where an id
 * exists), short enough for a Redis key and a metric label.
 */
export function credentialSetOf(tenant: Tenant, provider: string): string | undefined {
  if (tenant.origin === 'environment') return undefined;
  const identity =
    provider === 'twilio'
      ? tenant.twilio?.accountSid
      : provider === 'vonage'
        ? (tenant.vonage?.apiKey ?? tenant.vonage?.applicationId)
        : provider === 'sendgrid'
          ? tenant.sendgrid?.apiKey
          : undefined;
  if (identity === undefined) return undefined;
  return createHash('sha256').update(`${provider}\0${identity}`).digest('hex').slice(0, 12);
}

/**
 * Okta puts `https://{org}/api/v1/inlineHooks/{hookId}` in `source`: the hook must come from the tenant's org.
 * A consistency check on the payload, not proof of identity (the credential is that), but it catches a hook
 * configured with the wrong tenant's URL or credentials. A tenant without `oktaOrg` (the environment's) skips it.
 */
export function sourceMatchesOrg(
  tenant: Pick<Tenant, 'oktaOrg'>,
  source: string | undefined,
): { ok: true } | { ok: false; reason: 'source-missing' | 'source-outside-org' } {
  if (tenant.oktaOrg === undefined) return { ok: true };
  if (source === undefined || source === '') return { ok: false, reason: 'source-missing' };
  try {
    return new URL(source).origin === tenant.oktaOrg
      ? { ok: true }
      : { ok: false, reason: 'source-outside-org' };
  } catch {
    return { ok: false, reason: 'source-outside-org' };
  }
}
