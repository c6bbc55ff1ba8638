import { z } from 'zod';
import {
  booleanFromEnv,
  deliveryEnv,
  loggingEnv,
  publicUrlEnv,
  redisEnv,
  sealingEnv,
  twilioEnv,
  workerEnv,
} from './env.ts';

/**
 * Provider order per channel and the backup providers' credentials. Listing a provider without its credentials
 * is a configuration error, reported at start, not at the first failover.
 */
const providerList = <const T extends readonly [string, ...string[]]>(allowed: T, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((p) => p.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(allowed, { error: `must be a comma-separated list of: ${allowed.join(', ')}` }))
        .min(1, 'must name at least one provider')
        .refine((list) => new Set(list).size === list.length, 'must not name a provider twice'),
    );

export const SMS_PROVIDER_NAMES = ['twilio', 'vonage'] as const;
export const VOICE_PROVIDER_NAMES = ['twilio', 'vonage'] as const;

export const routingEnv = {
  SMS_PROVIDERS: providerList(SMS_PROVIDER_NAMES, 'twilio'),
  VOICE_PROVIDERS: providerList(VOICE_PROVIDER_NAMES, 'twilio'),
  /** E-mail the code to the person's Okta login (if it is an e-mail address) when no phone route can deliver. */
  EMAIL_FALLBACK: z.enum(['off', 'sendgrid']).default('off'),
  /** When SMS fails because the number is a landline, call it instead. */
  LANDLINE_TO_VOICE: booleanFromEnv.default(true),
  /** Provider-unavailable failures within BREAKER_WINDOW_MS that open a provider's breaker for every worker. */
  BREAKER_FAILURE_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(5),
  BREAKER_WINDOW_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** How long an open breaker keeps traffic away before one probe is let through. */
  BREAKER_COOLDOWN_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
};

const e164ish = z
  .string()
  .regex(/^\+?[1-9][0-9]{6,14}$|^[A-Za-z0-9 ]{1,11}$/, 'must be a number or an alphanumeric sender id');

export const vonageEnv = {
  VONAGE_API_KEY: z.string().min(1).optional(),
  VONAGE_API_SECRET: z.string().min(1).optional(),
  /** The SMS sender: a Vonage number or an alphanumeric sender id where the destination allows it. */
  VONAGE_FROM_NUMBER: e164ish.optional(),
  /** Voice API: the Vonage application and its private key (PEM text, or a path to a PEM file). */
  VONAGE_APPLICATION_ID: z.string().min(1).optional(),
  VONAGE_PRIVATE_KEY: z.string().min(1).optional(),
  VONAGE_VOICE_FROM_NUMBER: e164ish.optional(),
  /** Where Vonage's SMS API (rest.nexmo.com) and Voice API (api.nexmo.com) are reached instead. */
  VONAGE_REST_HOST: z.url({ protocol: /^https?$/ }).optional(),
  VONAGE_API_HOST: z.url({ protocol: /^https?$/ }).optional(),
  /** Verifies Vonage's signed delivery receipts and voice events. */
  VONAGE_SIGNATURE_SECRET: z.string().min(1).optional(),
};

export const sendgridEnv = {
  SENDGRID_API_KEY: z.string().min(1).optional(),
  SENDGRID_FROM_EMAIL: z.email().optional(),
  SENDGRID_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  EMAIL_SUBJECT: z.string().min(1).max(200).default('Your verification code'),
  /** `{code}` is replaced by the code. */
  EMAIL_TEMPLATE: z
    .string()
    .refine((v) => v.includes('{code}'), 'must contain {code}')
    .default('Your verification code is {code}. If you did not ask for it, ignore this e-mail.'),
};

type Cfg = Record<string, unknown>;

/** Cross-field checks for a worker's zod schema (`.superRefine(requireFailoverCredentials('sms'))`). */
export function requireFailoverCredentials(channel: 'sms' | 'voice') {
  return (cfg: Cfg, ctx: z.RefinementCtx) => {
    const list = (channel === 'sms' ? cfg.SMS_PROVIDERS : cfg.VOICE_PROVIDERS) as string[];
    const missing = (names: string[]) => names.filter((n) => !cfg[n]);
    const need = (names: string[], why: string) => {
      for (const name of missing(names))
        ctx.addIssue({ code: 'custom', path: [name], message: `required: ${why}` });
    };
    if (list.includes('vonage')) {
      const variable = channel === 'sms' ? 'SMS_PROVIDERS' : 'VOICE_PROVIDERS';
      if (channel === 'sms')
        need(['VONAGE_API_KEY', 'VONAGE_API_SECRET', 'VONAGE_FROM_NUMBER'], `${variable} lists vonage`);
      else {
        need(['VONAGE_APPLICATION_ID', 'VONAGE_PRIVATE_KEY'], `${variable} lists vonage`);
        if (!cfg.VONAGE_VOICE_FROM_NUMBER && !cfg.VONAGE_FROM_NUMBER) {
          ctx.addIssue({
            code: 'custom',
            path: ['VONAGE_VOICE_FROM_NUMBER'],
            message: `required (or VONAGE_FROM_NUMBER): ${variable} lists vonage`,
          });
        }
      }
    }
    if (cfg.EMAIL_FALLBACK === 'sendgrid')
      need(['SENDGRID_API_KEY', 'SENDGRID_FROM_EMAIL'], 'EMAIL_FALLBACK=sendgrid');
  };
}

/** Everything a channel worker (sms-worker, voice-worker) reads, besides its own channel's settings. */
export const channelWorkerEnv = {
  ...redisEnv,
  ...sealingEnv,
  ...loggingEnv,
  ...publicUrlEnv,
  ...deliveryEnv,
  ...workerEnv,
  ...twilioEnv,
  ...routingEnv,
  ...vonageEnv,
  ...sendgridEnv,
};
