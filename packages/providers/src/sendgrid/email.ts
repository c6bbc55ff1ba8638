import sgMail, { type MailService } from '@sendgrid/mail';
import type { EmailProvider, EmailRequest, SendResult } from '../adapters.ts';
import { classifySendGridError } from './errors.ts';

export interface SendGridMailSettings {
  apiKey: string;
  from: string;
  /** Where the API lives instead of https://api.sendgrid.com (the simulator, a proxy). */
  apiBaseUrl?: string;
  timeoutMs: number;
}

// The default export is a process-wide instance; its class is reachable on it at run time (the types miss that).
const MailServiceClass = (sgMail as unknown as { MailService: new () => MailService }).MailService;

/**
 * E-mail as the last resort for a code no phone route could deliver. One MailService per credential set: the
 * package's default export is a process-wide singleton, which we avoid.
 */
export class SendGridEmailProvider implements EmailProvider {
  readonly name = 'sendgrid';
  readonly channel = 'email' as const;
  readonly #mail: MailService;
  readonly #from: string;

  constructor(settings: SendGridMailSettings) {
    this.#mail = new MailServiceClass();
    // setApiKey resets the base URL, so the override must come after it.
    this.#mail.setApiKey(settings.apiKey);
    // Its own client (not in the types): the documented way to point @sendgrid/mail elsewhere.
    const client = (
      this.#mail as unknown as { client: { setDefaultRequest(key: string, value: unknown): void } }
    ).client;
    if (settings.apiBaseUrl) client.setDefaultRequest('baseUrl', settings.apiBaseUrl.replace(/\/+$/, ''));
    client.setDefaultRequest('timeout', settings.timeoutMs);
    this.#from = settings.from;
  }

  async sendEmail(request: EmailRequest): Promise<SendResult> {
    try {
      const [response] = await this.#mail.send({
        to: request.to,
        from: this.#from,
        subject: request.subject,
        text: request.text,
        customArgs: { byot_delivery_id: request.clientRef },
      });
      const id = response.headers['x-message-id'];
      return {
        provider: this.name,
        providerMessageId: typeof id === 'string' && id ? id : request.clientRef,
        providerStatus: String(response.statusCode),
      };
    } catch (error) {
      throw classifySendGridError(error);
    }
  }
}
