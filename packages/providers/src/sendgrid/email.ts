import sgMail, { type MailService } from '@sendgrid/mail';
import { classifyTransportError, ProviderError } from '../errors.ts';
import type { EmailProvider, EmailRequest, SendResult } from '../types.ts';

export interface SendGridSettings {
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

  constructor(settings: SendGridSettings) {
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

export function classifySendGridError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const transport = classifyTransportError('sendgrid', error);
  if (transport) return transport;
  const status = (error as { code?: unknown }).code;
  if (typeof status === 'number') {
    const base = { provider: 'sendgrid', code: String(status), httpStatus: status };
    if (status === 429)
      return new ProviderError({ ...base, kind: 'rate-limited', safeMessage: 'sendgrid throttled (429)' });
    if (status === 401 || status === 403 || status >= 500) {
      return new ProviderError({ ...base, kind: 'unavailable', safeMessage: `sendgrid answered ${status}` });
    }
    return new ProviderError({
      ...base,
      kind: 'bad-request',
      safeMessage: `sendgrid refused the e-mail: ${status}`,
    });
  }
  return new ProviderError({
    kind: 'unavailable',
    provider: 'sendgrid',
    code: 'unknown',
    safeMessage: `sendgrid call failed: ${error instanceof Error ? error.name : 'unknown error'}`,
    mayHaveBeenDelivered: true,
  });
}
