import {
  channelWorkerEnv,
  checkRedisEnv,
  e164,
  jsonFromEnv,
  port,
  requireFailoverCredentials,
} from '@byot/config';
import { requireTwilioAccount, unlessTenantsFile } from '@byot/delivery';
import {
  createSpeechCatalog,
  SpeechCatalogError,
  voicePhrasesOverrideSchema,
  voiceVoicesOverrideSchema,
} from '@byot/providers';
import { tenancyEnv } from '@byot/tenancy';
import { z } from 'zod';

export const voiceWorkerEnvSchema = z
  .object({
    ...channelWorkerEnv,
    ...tenancyEnv,
    // With TENANTS_FILE the accounts are the tenants' (unlessTenantsFile below requires them otherwise).
    TWILIO_ACCOUNT_SID: channelWorkerEnv.TWILIO_ACCOUNT_SID.optional(),
    TWILIO_AUTH_TOKEN: channelWorkerEnv.TWILIO_AUTH_TOKEN.optional(),
    /** Health/readiness endpoint for orchestrators. 0 picks a free port. */
    HEALTH_PORT: port(9102),
    /** Calls placed in parallel per process (Twilio queues calls above the account's calls-per-second). */
    VOICE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(20),
    /** The caller ID for calls; TWILIO_FROM_NUMBER when unset. */
    TWILIO_VOICE_FROM_NUMBER: e164.optional(),
    /** How many times a call speaks the code. */
    VOICE_REPEAT: z.coerce.number().int().min(1).max(5).default(3),
    /** Seconds a call may ring; shortened per call so the code is still usable when the call is answered. */
    VOICE_RING_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
    /** Intro phrases per locale, over the shipped ones: {"en": "Your Acme code is", "fr-CA": "..."}. */
    VOICE_PHRASES_JSON: jsonFromEnv(voicePhrasesOverrideSchema).optional(),
    /** Twilio voices per locale, over the shipped ones: {"en-GB": {"language": "en-GB", "voice": "Polly.Brian"}}. */
    VOICE_VOICES_JSON: jsonFromEnv(voiceVoicesOverrideSchema).optional(),
  })
  .superRefine((cfg, issues) =>
    unlessTenantsFile(
      cfg,
      issues,
      requireTwilioAccount,
      (c, ctx) => {
        if (c.TWILIO_VOICE_FROM_NUMBER || c.TWILIO_FROM_NUMBER) return;
        ctx.addIssue({
          code: 'custom',
          path: ['TWILIO_VOICE_FROM_NUMBER'],
          message: 'set TWILIO_VOICE_FROM_NUMBER or TWILIO_FROM_NUMBER',
        });
      },
      requireFailoverCredentials('voice'),
    ),
  )
  .superRefine(checkRedisEnv)
  .transform((c, ctx) => {
    try {
      const speech = createSpeechCatalog({
        ...(c.VOICE_PHRASES_JSON ? { phrases: c.VOICE_PHRASES_JSON } : {}),
        ...(c.VOICE_VOICES_JSON ? { voices: c.VOICE_VOICES_JSON } : {}),
      });
      return {
        ...c,
        /** The environment tenant's caller ID (a tenant's own comes from its `twilio:` block). */
        voiceFromNumber: c.TWILIO_VOICE_FROM_NUMBER ?? c.TWILIO_FROM_NUMBER,
        speech,
      };
    } catch (error) {
      if (!(error instanceof SpeechCatalogError)) throw error;
      for (const problem of error.problems) {
        const path = /but no voice/.test(problem) ? 'VOICE_VOICES_JSON' : 'VOICE_PHRASES_JSON';
        ctx.addIssue({ code: 'custom', path: [path], message: problem });
      }
      return z.NEVER;
    }
  });
