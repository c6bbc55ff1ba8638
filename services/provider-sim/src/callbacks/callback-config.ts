import { z } from 'zod';
import { callbackUrlProblem } from '../lib/callback-url.ts';
import { type Channel, PROVIDER_CHANNELS, PROVIDER_NAMES, type ProviderName } from '../providers.ts';

/**
 * The final outcomes a simulated message, call or e-mail can have, per provider and channel, in the provider's
 * own words. The first is the default (everything delivered / completed). `none` means the final report never
 * comes (the intermediate ones still do: Twilio `sent`, Vonage `accepted`, call progress, SendGrid `processed`).
 */
export const CALLBACK_OUTCOMES = {
  twilio: {
    sms: ['delivered', 'undelivered', 'failed', 'none'],
    voice: ['completed', 'busy', 'no-answer', 'failed', 'none'],
  },
  vonage: {
    sms: ['delivered', 'failed', 'rejected', 'expired', 'none'],
    voice: ['completed', 'busy', 'timeout', 'unanswered', 'rejected', 'failed', 'none'],
  },
  sendgrid: {
    email: ['delivered', 'bounce', 'dropped', 'none'],
  },
} as const satisfies { [P in ProviderName]: Partial<Record<Channel, readonly string[]>> };

export function outcomesOf(provider: ProviderName, channel: Channel): readonly string[] {
  return (CALLBACK_OUTCOMES[provider] as Partial<Record<Channel, readonly string[]>>)[channel] ?? [];
}

export interface ChannelMix {
  /** Relative weights of the outcomes (need not sum to 1); outcomes not named have weight 0. */
  weights: Readonly<Record<string, number>>;
  /** The error code sent with the failing outcomes (Twilio ErrorCode, Vonage err-code, SendGrid status). */
  errorCode?: number | string;
}

export interface CallbackSettings {
  /** Per channel; a channel without a mix gets its default (the first outcome, always). */
  mixes: Partial<Record<Channel, ChannelMix>>;
  /** Delay before each report (after acceptance, then between reports): fixed, or uniform in [min, max]. */
  delayMs: number | { min: number; max: number };
  /** Chance that a report is sent a second time (later). */
  duplicateRate: number;
  /** Chance that a resource's final report overtakes the one before it. */
  outOfOrderRate: number;
  /** SendGrid only: where events go (overrides SIM_SENDGRID_EVENT_URL). */
  eventUrl?: string;
}

export const DEFAULT_CALLBACK_SETTINGS: Readonly<CallbackSettings> = Object.freeze({
  mixes: {},
  delayMs: { min: 100, max: 500 },
  duplicateRate: 0,
  outOfOrderRate: 0,
});

const milliseconds = z.number().int().min(0).max(600_000);
const delay = z.union([
  milliseconds,
  z
    .object({ min: milliseconds, max: milliseconds })
    .strict()
    .refine((range) => range.min <= range.max, { message: 'min must not exceed max' }),
]);
const rate = z.number().min(0).max(1);
const weight = z.number().min(0).max(1_000_000);
const errorCode = z.union([z.number().int(), z.string().min(1).max(200)]);
const GENERAL_KEYS = ['delayMs', 'duplicateRate', 'outOfOrderRate', 'eventUrl'] as const;

type Input = Record<string, unknown>;

function mixSchema(outcomes: readonly string[]) {
  return z
    .object({
      ...Object.fromEntries(outcomes.map((outcome) => [outcome, weight.optional()])),
      errorCode: errorCode.optional(),
    })
    .strict()
    .refine((mix) => outcomes.some((o) => (mix as Record<string, number | undefined>)[o] !== undefined), {
      message: `give at least one of ${outcomes.join(', ')}`,
    })
    .refine(
      (mix) =>
        outcomes.reduce((sum, o) => sum + ((mix as Record<string, number | undefined>)[o] ?? 0), 0) > 0,
      { message: 'the weights must not all be 0' },
    );
}

function toMix(outcomes: readonly string[], value: Input): ChannelMix {
  const weights = Object.fromEntries(
    outcomes.filter((o) => typeof value[o] === 'number').map((o) => [o, value[o] as number]),
  );
  const code = value.errorCode;
  return { weights, ...(code === undefined ? {} : { errorCode: code as number | string }) };
}

/**
 * The settings of one provider, as PUT /sim/callbacks/:provider and SIM_CALLBACKS carry them. Canonical form:
 * a mix per channel, {"sms": {"delivered": 0.8, "undelivered": 0.2, "errorCode": 30003}, "voice": {...}}.
 * Shorthand: the outcome keys of one channel at the top level, {"delivered": 0.8, "undelivered": 0.2}, when the
 * keys name exactly one channel (`failed` and `none` alone are ambiguous for Twilio and Vonage).
 * Strict: unknown keys are refused, because a misspelt outcome would otherwise silently do nothing.
 */
export function callbackSettingsSchema(provider: ProviderName) {
  const channels = PROVIDER_CHANNELS[provider];
  const channelKeys = new Set<string>(channels);
  return z
    .record(z.string(), z.unknown())
    .superRefine((input, ctx) => {
      const flat = Object.keys(input).filter(
        (k) => !channelKeys.has(k) && !(GENERAL_KEYS as readonly string[]).includes(k),
      );
      for (const channel of channels) {
        if (input[channel] === undefined) continue;
        const parsed = mixSchema(outcomesOf(provider, channel)).safeParse(input[channel]);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            ctx.addIssue({ ...issue, path: [channel, ...issue.path] } as z.core.$ZodRawIssue);
          }
        }
      }
      const general = z
        .object({
          delayMs: delay.optional(),
          duplicateRate: rate.optional(),
          outOfOrderRate: rate.optional(),
          eventUrl: z.string().optional(),
        })
        .safeParse(Object.fromEntries(GENERAL_KEYS.filter((k) => k in input).map((k) => [k, input[k]])));
      if (!general.success) {
        for (const issue of general.error.issues) ctx.addIssue(issue as z.core.$ZodRawIssue);
      }
      if (input.eventUrl !== undefined) {
        if (provider !== 'sendgrid')
          ctx.addIssue({ code: 'custom', path: ['eventUrl'], message: 'only SendGrid has an event URL' });
        else if (
          typeof input.eventUrl === 'string' &&
          callbackUrlProblem(input.eventUrl, { allowUnderscoreInHost: true })
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['eventUrl'],
            message: 'must be an absolute http or https URL',
          });
        }
      }
      if (flat.length === 0) return;
      const channel = shorthandChannel(provider, flat);
      if (typeof channel !== 'string') {
        ctx.addIssue({ code: 'custom', path: [], message: channel.problem });
        return;
      }
      if (input[channel] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: `give the ${channel} outcomes either at the top level or under "${channel}", not both`,
        });
        return;
      }
      const parsed = mixSchema(outcomesOf(provider, channel)).safeParse(
        Object.fromEntries(flat.map((k) => [k, input[k]])),
      );
      if (!parsed.success)
        for (const issue of parsed.error.issues) ctx.addIssue(issue as z.core.$ZodRawIssue);
    })
    .transform((input): CallbackSettings => {
      const mixes: Partial<Record<Channel, ChannelMix>> = {};
      for (const channel of channels) {
        if (typeof input[channel] === 'object' && input[channel] !== null) {
          mixes[channel] = toMix(outcomesOf(provider, channel), input[channel] as Input);
        }
      }
      const flat = Object.keys(input).filter(
        (k) => !channelKeys.has(k) && !(GENERAL_KEYS as readonly string[]).includes(k),
      );
      if (flat.length > 0) {
        const channel = shorthandChannel(provider, flat);
        if (typeof channel === 'string') mixes[channel] = toMix(outcomesOf(provider, channel), input);
      }
      return {
        mixes,
        delayMs:
          (input.delayMs as CallbackSettings['delayMs'] | undefined) ?? DEFAULT_CALLBACK_SETTINGS.delayMs,
        duplicateRate: (input.duplicateRate as number | undefined) ?? 0,
        outOfOrderRate: (input.outOfOrderRate as number | undefined) ?? 0,
        ...(typeof input.eventUrl === 'string' ? { eventUrl: input.eventUrl } : {}),
      };
    });
}

/** The channel whose outcomes include every shorthand key, or why there is none (or several). */
function shorthandChannel(provider: ProviderName, keys: readonly string[]): Channel | { problem: string } {
  const outcomeKeys = keys.filter((k) => k !== 'errorCode');
  const candidates = PROVIDER_CHANNELS[provider].filter((channel) =>
    outcomeKeys.every((k) => outcomesOf(provider, channel).includes(k)),
  );
  if (outcomeKeys.length === 0) return { problem: 'errorCode needs outcomes next to it' };
  if (candidates.length === 1 && candidates[0] !== undefined) return candidates[0];
  const known = PROVIDER_CHANNELS[provider]
    .map((c) => `${c}: ${outcomesOf(provider, c).join(', ')}`)
    .join('; ');
  if (candidates.length === 0) {
    return { problem: `unknown key(s) ${outcomeKeys.join(', ')} for ${provider} (outcomes — ${known})` };
  }
  return {
    problem: `${outcomeKeys.join(', ')} could be ${candidates.join(' or ')} outcomes: nest them, e.g. {"${candidates[0]}": {...}}`,
  };
}

export const InitialCallbacksSchema = z
  .object(
    Object.fromEntries(PROVIDER_NAMES.map((p) => [p, callbackSettingsSchema(p).optional()])) as {
      [P in ProviderName]: z.ZodOptional<ReturnType<typeof callbackSettingsSchema>>;
    },
  )
  .strict();
/** As SIM_CALLBACKS carries them (input form): {"twilio": {...}, "vonage": {...}}. */
export type InitialCallbacks = z.input<typeof InitialCallbacksSchema>;

/** The canonical JSON form of settings, as GET /sim/callbacks/:provider shows them. */
export function renderSettings(provider: ProviderName, settings: CallbackSettings): Record<string, unknown> {
  const mixes = Object.fromEntries(
    PROVIDER_CHANNELS[provider].map((channel) => {
      const mix = settings.mixes[channel];
      const defaultOutcome = outcomesOf(provider, channel)[0] ?? '';
      return [
        channel,
        mix
          ? { ...mix.weights, ...(mix.errorCode === undefined ? {} : { errorCode: mix.errorCode }) }
          : { [defaultOutcome]: 1 },
      ];
    }),
  );
  return {
    ...mixes,
    delayMs: settings.delayMs,
    duplicateRate: settings.duplicateRate,
    outOfOrderRate: settings.outOfOrderRate,
    ...(settings.eventUrl === undefined ? {} : { eventUrl: settings.eventUrl }),
  };
}
