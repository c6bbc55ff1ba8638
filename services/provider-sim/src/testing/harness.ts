import { createSimulator, type Simulator, type SimulatorOptions } from '../app.ts';
import { listenSimulator } from '../server.ts';

/** A simulator listening on a free port of 127.0.0.1, for HTTP tests. */
export interface TestSimulator {
  sim: Simulator;
  url: string;
  /** Base of the simulated account's resources: `${url}/2010-04-01/Accounts/${accountSid}`. */
  accountUrl: string;
  /** Authorization header value with the simulator's Twilio credentials. */
  authorization: string;
  close(): Promise<void>;
}

export async function startTestSimulator(options: SimulatorOptions = {}): Promise<TestSimulator> {
  const sim = createSimulator(options);
  const running = await listenSimulator(sim, { port: 0, host: '127.0.0.1', closeGraceMs: 200 });
  return {
    sim,
    url: running.url,
    accountUrl: `${running.url}/2010-04-01/Accounts/${sim.twilio.accountSid}`,
    authorization: basicAuth(sim.twilio.accountSid, sim.twilio.authToken),
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
