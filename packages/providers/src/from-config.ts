import { readFileSync } from 'node:fs';
import type { Vonage } from '@vonage/server-sdk';
import { SendGridEmailProvider } from './sendgrid/email.ts';
import { createTwilioClient, type TwilioClient } from './twilio/client.ts';
import type { EmailProvider } from './types.ts';
import { createVonageClient } from './vonage/client.ts';

/** The parsed environment fields (see @byot/config failover-env.ts) the backup providers are built from. */
export interface BackupProvidersConfig {
  PROVIDER_TIMEOUT_MS: number;
  EMAIL_FALLBACK: 'off' | 'sendgrid';
  VONAGE_API_KEY?: string | undefined;
  VONAGE_API_SECRET?: string | undefined;
  VONAGE_APPLICATION_ID?: string | undefined;
  VONAGE_PRIVATE_KEY?: string | undefined;
  VONAGE_REST_HOST?: string | undefined;
  VONAGE_API_HOST?: string | undefined;
  SENDGRID_API_KEY?: string | undefined;
  SENDGRID_FROM_EMAIL?: string | undefined;
  SENDGRID_API_BASE_URL?: string | undefined;
}

/** A PEM in the variable itself, or the path of a file holding one. */
export function readPrivateKey(value: string): string {
  return value.includes('-----BEGIN') ? value.replaceAll('\\n', '\n') : readFileSync(value, 'utf8');
}

export function vonageClientFromConfig(config: BackupProvidersConfig): Vonage {
  if (!config.VONAGE_API_KEY && !config.VONAGE_APPLICATION_ID) {
    throw new Error('vonage is listed as a provider but VONAGE_* credentials are not set');
  }
  return createVonageClient({
    apiKey: config.VONAGE_API_KEY ?? '',
    apiSecret: config.VONAGE_API_SECRET ?? '',
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    ...(config.VONAGE_APPLICATION_ID ? { applicationId: config.VONAGE_APPLICATION_ID } : {}),
    ...(config.VONAGE_PRIVATE_KEY ? { privateKey: readPrivateKey(config.VONAGE_PRIVATE_KEY) } : {}),
    ...(config.VONAGE_REST_HOST ? { restHost: config.VONAGE_REST_HOST } : {}),
    ...(config.VONAGE_API_HOST ? { apiHost: config.VONAGE_API_HOST } : {}),
  });
}

export function emailProviderFromConfig(config: BackupProvidersConfig): EmailProvider | undefined {
  if (config.EMAIL_FALLBACK !== 'sendgrid') return undefined;
  if (!config.SENDGRID_API_KEY || !config.SENDGRID_FROM_EMAIL) {
    throw new Error('EMAIL_FALLBACK=sendgrid needs SENDGRID_API_KEY and SENDGRID_FROM_EMAIL');
  }
  return new SendGridEmailProvider({
    apiKey: config.SENDGRID_API_KEY,
    from: config.SENDGRID_FROM_EMAIL,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    ...(config.SENDGRID_API_BASE_URL ? { apiBaseUrl: config.SENDGRID_API_BASE_URL } : {}),
  });
}

export interface TwilioConfig {
  TWILIO_ACCOUNT_SID: string;
  TWILIO_AUTH_TOKEN: string;
  TWILIO_API_BASE_URL?: string | undefined;
  PROVIDER_TIMEOUT_MS: number;
}

export function twilioClientFromConfig(config: TwilioConfig): TwilioClient {
  return createTwilioClient({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    ...(config.TWILIO_API_BASE_URL ? { apiBaseUrl: config.TWILIO_API_BASE_URL } : {}),
  });
}
