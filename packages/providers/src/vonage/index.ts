/**
 * Vonage: SMS (the SMS API) and voice (the Voice API with an inline NCCO), their error codes, their delivery
 * receipts and call events. Everything about Vonage is in this folder; this file is what the registry lists, and
 * loads no SDK.
 */
import type { ProviderDefinition } from '../definition.ts';
import type { VonageSettings } from './adapters.ts';
import { VONAGE_CALLBACK_PATHS, type VonageCallbackSettings, vonageCallbacks } from './callbacks.ts';
import { describeVonageCode, normaliseVonageStatus, vonageReceiptFailureMeaning } from './statuses.ts';

export const vonage: ProviderDefinition<VonageCallbackSettings, VonageSettings> = {
  name: 'vonage',
  displayName: 'Vonage',
  callbackPaths: VONAGE_CALLBACK_PATHS,
  normaliseStatus: normaliseVonageStatus,
  describeCode: describeVonageCode,
  receiptFailureMeaning: vonageReceiptFailureMeaning,
  callbacks: vonageCallbacks,
  adapters: async () => (await import('./adapters.ts')).vonageAdapters,
};
