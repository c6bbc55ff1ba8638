import { Agent as HttpAgent } from 'node:http';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { classifyHttpStatus, parseRetryAfter } from '../errors.ts';

export const TWILIO_API_ORIGIN = 'https://api.twilio.com';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** Where to send API calls instead of https://api.twilio.com (the simulator, a spec-driven mock, a proxy). */
  apiBaseUrl?: string;
  /** Client timeout per request. The SDK's default (30 s) is far above anything an OTP can wait for. */
  timeoutMs: number;
}

/**
 * The SDK has no base-URL option, only an `httpClient` hook: this client rewrites Twilio's origin to the
 * configured one, keeps connections alive for plain-http targets too, and turns 429 answers into a rate-limited
 * ProviderError carrying Retry-After (the SDK's RestException drops the headers).
 */
export class TwilioHttpClient extends twilio.RequestClient {
  readonly #baseUrl: string | undefined;

  constructor(options: { apiBaseUrl?: string; timeoutMs: number; maxSockets?: number }) {
    super({
      timeout: options.timeoutMs,
      keepAlive: true,
      autoRetry: false,
      maxSockets: options.maxSockets ?? 256,
    });
    this.#baseUrl = options.apiBaseUrl?.replace(/\/+$/, '');
    this.axios.defaults.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const routed =
      this.#baseUrl && opts.uri.startsWith(TWILIO_API_ORIGIN)
        ? { ...opts, uri: this.#baseUrl + opts.uri.slice(TWILIO_API_ORIGIN.length) }
        : opts;
    const response = await super.request<TData>(routed);
    if (response.statusCode === 429) {
      const headers = response.headers as Record<string, string | undefined>;
      throw classifyHttpStatus('twilio', 429, {
        code: '20429',
        retryAfterMs: parseRetryAfter(headers['retry-after']),
      });
    }
    return response;
  }
}

export type TwilioClient = ReturnType<typeof twilio>;

/** One client per credential set: no shared mutable singleton. */
export function createTwilioClient(credentials: TwilioCredentials): TwilioClient {
  const httpClient = new TwilioHttpClient({
    timeoutMs: credentials.timeoutMs,
    ...(credentials.apiBaseUrl ? { apiBaseUrl: credentials.apiBaseUrl } : {}),
  });
  return twilio(credentials.accountSid, credentials.authToken, { httpClient, autoRetry: false });
}
