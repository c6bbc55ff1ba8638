import { channelWorkerEnv, checkRedisEnv, port, requireFailoverCredentials } from '@byot/config';
import { requireTwilioAccount, unlessTenantsFile } from '@byot/delivery';
import { tenancyEnv } from '@byot/tenancy';
import { z } from 'zod';

export const smsWorkerEnvSchema = z
  .object({
    ...channelWorkerEnv,
    ...tenancyEnv,
    // With TENANTS_FILE the accounts are the tenants' (unlessTenantsFile below requires them otherwise).
    TWILIO_ACCOUNT_SID: channelWorkerEnv.TWILIO_ACCOUNT_SID.optional(),
    TWILIO_AUTH_TOKEN: channelWorkerEnv.TWILIO_AUTH_TOKEN.optional(),
    /** Health/readiness endpoint for orchestrators. 0 picks a free port. */
    HEALTH_PORT: port(9101),
    SMS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
    TWILIO_MESSAGING_SERVICE_SID: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'must look like MG + 32 hex digits')
      .optional(),
    /** SMS text when Okta's msgTemplate does not carry the code. `{code}` is replaced by the code. */
    SMS_TEMPLATE: z
      .string()
      .refine((v) => v.includes('{code}'), 'must contain {code}')
      .default('Your verification code is {code}'),
  })
  .superRefine((cfg, issues) =>
    unlessTenantsFile(
      cfg,
      issues,
      requireTwilioAccount,
      (c, ctx) => {
        if (c.TWILIO_FROM_NUMBER || c.TWILIO_MESSAGING_SERVICE_SID) return;
        ctx.addIssue({
          code: 'custom',
          path: ['TWILIO_FROM_NUMBER'],
          message: 'set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID',
        });
      },
      requireFailoverCredentials('sms'),
    ),
  )
  .superRefine(checkRedisEnv);
