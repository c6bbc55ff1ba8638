import { z } from 'zod';
import { PROVIDER_NAMES } from '../providers.ts';

const rate = z.number().min(0).max(1);
const milliseconds = z.number().int().min(0).max(600_000);

const latencyRange = z
  .object({ min: milliseconds, max: milliseconds })
  .strict()
  .refine((range) => range.min <= range.max, { message: 'min must not exceed max' });

/**
 * Faults for one provider. Every field is optional; an empty object means "behave normally".
 * Strict: an unknown key is an error, because a misspelt fault in a drill would otherwise silently do nothing.
 */
export const FaultConfigSchema = z
  .object({
    /** Added before answering: a fixed delay or a uniform random one in [min, max]. */
    latencyMs: z.union([milliseconds, latencyRange]).optional(),
    /** Chance of answering errorStatus/errorCode instead of processing the request. */
    errorRate: rate.optional(),
    /** HTTP status of injected errors. Default 500. */
    errorStatus: z.number().int().min(400).max(599).optional(),
    /** Provider error code of injected errors. Default: the provider's own code for errorStatus. */
    errorCode: z.number().int().positive().optional(),
    /** Chance of answering 429 (Twilio code 20429) with a Retry-After header. */
    throttleRate: rate.optional(),
    /** Retry-After seconds sent with injected 429s. Default 1. */
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    /** Chance of reading the request and never answering, until the client gives up. */
    hangRate: rate.optional(),
    /** Chance of refusing an otherwise valid request as an invalid destination (Twilio 21211). */
    invalidNumberRate: rate.optional(),
    /**
     * The provider is down: its dedicated listener (SIM_<PROVIDER>_PORT) is closed, so connections are refused,
     * and on the shared port its requests have their connection reset. Cleared by a PUT without it or a DELETE.
     */
    down: z.boolean().optional(),
  })
  .strict();

export type FaultConfig = z.infer<typeof FaultConfigSchema>;

/** The start-up faults of every provider, as SIM_FAULTS carries them: {"twilio": {...}, "vonage": {...}}. */
export const InitialFaultsSchema = z.partialRecord(z.enum(PROVIDER_NAMES), FaultConfigSchema);
export type InitialFaults = z.infer<typeof InitialFaultsSchema>;

/** Which injected fault answered a request; recorded with faulted requests. */
export type FaultKind = 'hang' | 'throttle' | 'error' | 'invalid-number' | 'down';
