/**
 * The providers and channels the simulator speaks. Every per-provider table (faults, stats, SIM_FAULTS,
 * callbacks, dedicated listeners) is derived from these lists, so adding a provider here makes the compiler
 * point at every place that needs a new entry.
 */
export const PROVIDER_NAMES = ['twilio', 'vonage', 'sendgrid'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const CHANNELS = ['sms', 'voice', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The channels each provider carries. */
export const PROVIDER_CHANNELS: Readonly<Record<ProviderName, readonly Channel[]>> = {
  twilio: ['sms', 'voice'],
  vonage: ['sms', 'voice'],
  sendgrid: ['email'],
};

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value);
}
