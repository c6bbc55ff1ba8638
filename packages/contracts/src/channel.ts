/**
 * Okta has documented `deliveryChannel` as "SMS or CALL", "SMS or voice call" and "SMS or voice"; samples compare
 * against `call`, `voice`, or "anything not SMS". We accept every documented spelling and refuse the rest.
 */
export const CHANNELS = ['sms', 'voice'] as const;
export type Channel = (typeof CHANNELS)[number];

export function parseDeliveryChannel(raw: string): Channel | undefined {
  const value = raw.trim().toLowerCase();
  if (value === 'sms') return 'sms';
  if (value.includes('call') || value.includes('voice')) return 'voice';
  return undefined;
}
