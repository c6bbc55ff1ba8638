/**
 * The providers and channels the simulator speaks. Vonage (sms, voice) and SendGrid (email) will join these
 * lists; every per-provider table (faults, stats, SIM_FAULTS) is derived from them, so adding a provider here
 * makes the compiler point at every place that needs a new entry.
 */
export const PROVIDER_NAMES = ['twilio'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const CHANNELS = ['sms', 'voice'] as const;
export type Channel = (typeof CHANNELS)[number];

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value);
}
