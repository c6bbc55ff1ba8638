import { generateKeyPairSync } from 'node:crypto';
import { createSimulator, type Simulator, type SimulatorOptions } from '../app.ts';
import type { ProviderName } from '../providers.ts';
import { listenSimulator } from '../server.ts';

/** A simulator listening on a free port of 127.0.0.1, for HTTP tests. */
export interface TestSimulator {
  sim: Simulator;
  url: string;
  /** Base of the simulated account's resources: `${url}/2010-04-01/Accounts/${accountSid}`. */
  accountUrl: string;
  /** Authorization header value with the simulator's Twilio credentials. */
  authorization: string;
  /**
   * The Vonage application's private key (PEM) for signing Voice API JWTs: the one passed in the options, or
   * one generated for the test run when the options give neither a private nor a public key. Null when only a
   * public key was given.
   */
  vonagePrivateKey: string | null;
  /** Base URLs of the dedicated provider listeners asked for (startTestSimulator's second argument). */
  providerUrls: Partial<Record<ProviderName, string>>;
  close(): Promise<void>;
}

export interface TestListenOptions {
  /** Providers to serve on dedicated listeners too (port 0: a free one), for `down` drills. */
  providerPorts?: Partial<Record<ProviderName, number>>;
}

let testKey: string | undefined;

/** An RSA key for the Vonage application, generated once per process (tests only: never for a real account). */
export function testVonagePrivateKey(): string {
  testKey ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return testKey;
}

export async function startTestSimulator(
  options: SimulatorOptions = {},
  listen: TestListenOptions = {},
): Promise<TestSimulator> {
  const givenKey = options.vonage?.privateKey !== undefined || options.vonage?.publicKey !== undefined;
  const vonagePrivateKey = givenKey ? (options.vonage?.privateKey ?? null) : testVonagePrivateKey();
  const sim = createSimulator(
    givenKey || vonagePrivateKey === null
      ? options
      : { ...options, vonage: { ...options.vonage, privateKey: vonagePrivateKey } },
  );
  const running = await listenSimulator(sim, {
    port: 0,
    host: '127.0.0.1',
    closeGraceMs: 200,
    ...(listen.providerPorts ? { providerPorts: listen.providerPorts } : {}),
  });
  return {
    sim,
    url: running.url,
    accountUrl: `${running.url}/2010-04-01/Accounts/${sim.twilio.accountSid}`,
    authorization: basicAuth(sim.twilio.accountSid, sim.twilio.authToken),
    vonagePrivateKey,
    providerUrls: running.providerUrls,
    close: running.close,
  };
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
}

/** POSTs form parameters; a [name, value] list can repeat a name, as twilio-node does for list parameters. */
export async function postForm(
  url: string,
  params: Record<string, string> | readonly (readonly [string, string])[],
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<HttpResult> {
  const body = new URLSearchParams(Array.isArray(params) ? [...params] : Object.entries(params));
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
    ...(signal ? { signal } : {}),
  });
  return read(response);
}

export async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; json?: unknown } = {},
): Promise<HttpResult> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.json === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  return read(response);
}

async function read(response: Response): Promise<HttpResult> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (the inbox page): keep the text.
  }
  return { status: response.status, headers: response.headers, body };
}

/** Narrows a JSON body for property access in assertions. */
export function obj(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`expected a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** One request a CallbackReceiver got. */
export interface ReceivedCallback {
  method: string;
  /** The full URL as called (http://127.0.0.1:port/path?query), what Twilio signatures cover. */
  url: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body, as SendGrid signatures cover it. */
  rawBody: string;
  /** Form parameters (form bodies) or query parameters (GET). */
  params: Record<string, string>;
  /** Parsed JSON bodies. */
  json?: unknown;
  receivedAt: number;
}

/** A local HTTP server standing in for our webhook endpoints: it records every callback the simulator sends. */
export interface CallbackReceiver {
  url: string;
  received: ReceivedCallback[];
  /** The HTTP status it answers with (default 204); change it to provoke http-error outcomes. */
  status: number;
  /** Resolves once `count` requests have arrived (rejects after timeoutMs, default 5000). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedCallback[]>;
  close(): Promise<void>;
}

export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const { createServer } = await import('node:http');
  const received: ReceivedCallback[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver: CallbackReceiver = {
    url: '',
    received,
    status: 204,
    waitFor(count, timeoutMs = 5_000) {
      if (received.length >= count) return Promise.resolve(received.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${received.length} of ${count} callbacks arrived`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(received.slice());
          },
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = `${receiver.url}${req.url ?? '/'}`;
      const parsed = new URL(url);
      const type = req.headers['content-type'] ?? '';
      let json: unknown;
      let params: Record<string, string> = Object.fromEntries(parsed.searchParams);
      if (type.startsWith('application/x-www-form-urlencoded'))
        params = Object.fromEntries(new URLSearchParams(rawBody));
      if (type.startsWith('application/json')) json = JSON.parse(rawBody);
      received.push({
        method: req.method ?? 'GET',
        url,
        path: parsed.pathname,
        headers: req.headers,
        rawBody,
        params,
        ...(json === undefined ? {} : { json }),
        receivedAt: Date.now(),
      });
      res.statusCode = receiver.status;
      res.end();
      for (const waiter of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return receiver;
}
