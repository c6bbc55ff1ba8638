import type { ProviderAdapters } from '../definition.ts';
import { SendGridEmailProvider } from './email.ts';

/** The SendGrid account and sender (the environment's names, see @byot/config sendgridEnv). */
export interface SendGridSettings {
  PROVIDER_TIMEOUT_MS: number;
  SENDGRID_API_KEY?: string | undefined;
  SENDGRID_FROM_EMAIL?: string | undefined;
  SENDGRID_API_BASE_URL?: string | undefined;
}

/** E-mail through SendGrid's Mail Send API: the last resort. */
export const sendGridAdapters: ProviderAdapters<SendGridSettings> = {
  email: (settings) => {
    if (!settings.SENDGRID_API_KEY || !settings.SENDGRID_FROM_EMAIL) {
      throw new Error('EMAIL_FALLBACK=sendgrid needs SENDGRID_API_KEY and SENDGRID_FROM_EMAIL');
    }
    return new SendGridEmailProvider({
      apiKey: settings.SENDGRID_API_KEY,
      from: settings.SENDGRID_FROM_EMAIL,
      timeoutMs: settings.PROVIDER_TIMEOUT_MS,
      ...(settings.SENDGRID_API_BASE_URL ? { apiBaseUrl: settings.SENDGRID_API_BASE_URL } : {}),
    });
  },
};
