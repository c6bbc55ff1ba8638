import { channelWorkerEnv, port, requireFailoverCredentials } from '@byot/config';
import { z } from 'zod';

export const smsWorkerEnvSchema = z
  .object({
    ...channelWorkerEnv,
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
  .refine((c) => c.TWILIO_FROM_NUMBER || c.TWILIO_MESSAGING_SERVICE_SID, {
    message: 'set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID',
    path: ['TWILIO_FROM_NUMBER'],
  })
  .superRefine(requireFailoverCredentials('sms'));
