/**
 * Twilio: SMS (Programmable Messaging) and voice (Calls with inline TwiML), their error codes, their status
 * callbacks. Everything about Twilio is in this folder; this file is what the registry lists, and loads no SDK.
 */
import type { ProviderDefinition } from '../definition.ts';
import type { TwilioSettings } from './adapters.ts';
import { TWILIO_CALLBACK_PATHS, type TwilioCallbackSettings, twilioCallbacks } from './callbacks.ts';
import { describeTwilioCode, normaliseTwilioStatus, twilioReceiptFailureMeaning } from './statuses.ts';

export const twilio: ProviderDefinition<TwilioCallbackSettings, TwilioSettings> = {
  name: 'twilio',
  displayName: 'Twilio',
  callbackPaths: TWILIO_CALLBACK_PATHS,
  normaliseStatus: normaliseTwilioStatus,
  describeCode: describeTwilioCode,
  receiptFailureMeaning: twilioReceiptFailureMeaning,
  callbacks: twilioCallbacks,
  adapters: async () => (await import('./adapters.ts')).twilioAdapters,
};
