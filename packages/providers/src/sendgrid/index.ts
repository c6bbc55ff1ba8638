/**
 * SendGrid: e-mail, the optional last resort (EMAIL_FALLBACK=sendgrid), its errors and its signed event webhook.
 * Everything about SendGrid is in this folder; this file is what the registry lists, and loads no SDK.
 */
import type { ProviderDefinition } from '../definition.ts';
import type { SendGridSettings } from './adapters.ts';
import { SENDGRID_CALLBACK_PATHS, type SendGridCallbackSettings, sendGridCallbacks } from './callbacks.ts';
import { normaliseSendGridEvent, sendGridReceiptFailureMeaning } from './statuses.ts';

export const sendgrid: ProviderDefinition<SendGridCallbackSettings, SendGridSettings> = {
  name: 'sendgrid',
  displayName: 'SendGrid',
  callbackPaths: SENDGRID_CALLBACK_PATHS,
  normaliseStatus: (_channel, raw) => normaliseSendGridEvent(raw),
  // Its bounce statuses and drop reasons are words already ("bounce", "Invalid"): shown as they are.
  describeCode: () => undefined,
  receiptFailureMeaning: sendGridReceiptFailureMeaning,
  callbacks: sendGridCallbacks,
  adapters: async () => (await import('./adapters.ts')).sendGridAdapters,
};
