import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { Agent } from 'undici';
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

/** What the SDK's resources read from an answer. */
type TwilioResponse<TData> = Awaited<ReturnType<RequestClient['request']>> & { body: TData };

/**
 * The SDK's `httpClient` hook, served by undici instead of the SDK's own axios client. The SDK builds each
 * request (URL, form or JSON data, User-Agent, Accept) and hands it here through `request(opts)`; it only reads
 * `statusCode`, `body` (a JSON string is parsed by the SDK) and `headers` back, and raises its RestException from a
 * non-2xx status itself (twilio/lib/base/RequestClient.d.ts, Version.js). Measured in the sms-worker's CPU profile,
 * axios's per-request config merging, interceptors and http.ClientRequest cost more CPU per message than the rest
 * of the send; undici's pooled keep-alive Agent does the same exchange with a fraction of it (ADR 0022).
 *
 * Also: Twilio's origin is rewritten to the configured one (the SDK has no base-URL option), 429 answers become a
 * rate-limited ProviderError carrying Retry-After (the SDK's RestException drops the headers), and the timeout is
 * one AbortSignal per request covering connect, headers and body, surfaced as ETIMEDOUT so the error taxonomy
 * marks it "may have been delivered". Redirects are not followed (nor were they by the SDK's client: no Twilio
 * call this service makes asks for them). The SDK's debug request logging is not reproduced: it prints the body.
 */
export class TwilioHttpClient extends twilio.RequestClient {
  readonly #baseUrl: string | undefined;
  readonly #timeoutMs: number;
  readonly #dispatcher: Agent;

  constructor(options: { apiBaseUrl?: string; timeoutMs: number; maxSockets?: number }) {
    // The base class's constructor is required by the SDK's type (a RequestClient); its axios instance is unused.
    super({ timeout: options.timeoutMs, keepAlive: true, autoRetry: false });
    this.#baseUrl = options.apiBaseUrl?.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs;
    this.#dispatcher = new Agent({
      connections: options.maxSockets ?? 256,
      // Sends come in bursts: keep idle sockets for a while rather than reconnecting (TLS) for the next burst.
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
    });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse<TData>> {
    const url = new URL(
      this.#baseUrl && opts.uri.startsWith(TWILIO_API_ORIGIN)
        ? this.#baseUrl + opts.uri.slice(TWILIO_API_ORIGIN.length)
        : opts.uri,
    );
    if (opts.params) appendFormFields(url.searchParams, opts.params);
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.username && opts.password) {
      headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    } else if (opts.authStrategy) {
      headers.Authorization = await opts.authStrategy.getAuthString();
    }
    const timeoutMs = opts.timeout || this.#timeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await this.#dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: opts.method.toUpperCase() as 'GET',
        headers,
        body: encodeBody(headers['Content-Type'], opts.data),
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const body = await response.body.text();
      const responseHeaders = response.headers as Record<string, string | undefined>;
      if (response.statusCode === 429) {
        throw classifyHttpStatus('twilio', 429, {
          code: '20429',
          retryAfterMs: parseRetryAfter(responseHeaders['retry-after']),
        });
      }
      // A string body is what the SDK expects from any client: Version.js parses it as JSON.
      return { statusCode: response.statusCode, body: body as TData, headers: responseHeaders };
    } catch (error) {
      if (signal.aborted) throw timedOut(timeoutMs, error);
      throw error;
    }
  }

  /** Closes the pooled connections (idle ones at once, busy ones when their request ends). */
  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

/** The SDK's data are flat (its serializers turn dates, booleans, lists and objects into strings or lists). */
function appendFormFields(target: URLSearchParams, fields: object): void {
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value])
      target.append(key, item === null ? '' : String(item));
  }
}

function encodeBody(contentType: string | undefined, data: unknown): string | null {
  if (data === undefined || data === null) return null;
  if (contentType === 'application/json') return JSON.stringify(data);
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams();
    appendFormFields(form, data as object);
    return form.toString();
  }
  return null;
}

/** An aborted request as the error taxonomy's timeout (ETIMEDOUT: may have reached Twilio). */
function timedOut(timeoutMs: number, cause: unknown): Error {
  return Object.assign(new Error(`twilio request timed out after ${timeoutMs} ms`, { cause }), {
    code: 'ETIMEDOUT',
  });
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
