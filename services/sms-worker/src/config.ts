import {
  booleanFromEnv,
  deliveryEnv,
  loggingEnv,
  port,
  publicUrlEnv,
  redisEnv,
  sealingEnv,
} from '@byot/config';
import { z } from 'zod';

export const smsWorkerEnvSchema = z
  .object({
    ...redisEnv,
    ...sealingEnv,
    ...loggingEnv,
    ...publicUrlEnv,
    ...deliveryEnv,
    /** Health/readiness endpoint for orchestrators. 0 picks a free port. */
    HEALTH_PORT: port(9101),
    HEALTH_HOST: z.string().default('0.0.0.0'),
    SMS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
    /** How long SIGTERM waits for in-flight sends before giving up on them (they are redelivered elsewhere). */
    SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(120_000).default(15_000),
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits'),
    TWILIO_AUTH_TOKEN: z.string().min(8, 'required: the auth token of TWILIO_ACCOUNT_SID'),
    TWILIO_FROM_NUMBER: z
      .string()
      .regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number such as +15005550006')
      .optional(),
    TWILIO_MESSAGING_SERVICE_SID: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'must look like MG + 32 hex digits')
      .optional(),
    /** Send Twilio API calls here instead of https://api.twilio.com (the simulator, a mock, a proxy). */
    TWILIO_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Client timeout per provider request. Long enough for a slow provider, short enough to retry in time. */
    PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(200).max(30_000).default(5_000),
    /** SMS text when Okta's msgTemplate does not carry the code. `{code}` is replaced by the code. */
    SMS_TEMPLATE: z
      .string()
      .refine((v) => v.includes('{code}'), 'must contain {code}')
      .default('Your verification code is {code}'),
    /** Ask providers for status callbacks (needs PUBLIC_BASE_URL). */
    STATUS_CALLBACKS: booleanFromEnv.default(true),
    RETRY_BASE_DELAY_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    RETRY_MAX_DELAY_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  })
  .refine((c) => c.TWILIO_FROM_NUMBER || c.TWILIO_MESSAGING_SERVICE_SID, {
    message: 'set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID',
    path: ['TWILIO_FROM_NUMBER'],
  });

export type SmsWorkerConfig = z.infer<typeof smsWorkerEnvSchema>;
