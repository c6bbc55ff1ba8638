import { createOktaSim, type OktaSim, type OktaSimOptions } from '../app.ts';
import { listenOktaSim } from '../server.ts';

/** A simulator on a free port of 127.0.0.1, for HTTP tests. */
export interface TestOktaSim {
  sim: OktaSim;
  /** The org URL (what OKTA_ORG_URL would be). */
  url: string;
  /** `SSWS <token>` for the Management API. */
  authorization: string;
  apiToken: string;
  close(): Promise<void>;
}

export const TEST_API_TOKEN = '00test-okta-sim-api-token-0123456789';

export async function startTestOktaSim(options: OktaSimOptions = {}): Promise<TestOktaSim> {
  const apiToken = options.apiToken ?? TEST_API_TOKEN;
  const sim = createOktaSim({ ...options, apiToken });
  const running = await listenOktaSim(sim, { port: 0, host: '127.0.0.1', closeGraceMs: 200 });
  return { sim, url: running.url, authorization: `SSWS ${apiToken}`, apiToken, close: running.close };
}

/** What a stand-in for byot received: the hook calls and the token requests, with their headers and bodies. */
export interface ReceivedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json?: unknown;
  form?: Record<string, string>;
}

export interface HookReceiver {
  url: string;
  hookUrl: string;
  tokenUrl: string;
  received: ReceivedRequest[];
  /** Answers the hook call (default: 200 SUCCESSFUL by TESTPROVIDER). */
  answer: (request: ReceivedRequest) => { status: number; body?: unknown; delayMs?: number };
  /** Answers the token request (default: a Bearer token "test-access-token"). */
  token: (request: ReceivedRequest) => { status: number; body?: unknown };
  close(): Promise<void>;
}

/** A local HTTP server playing byot's hook (/hook) and token endpoint (/token) for the simulator to call. */
export async function startHookReceiver(): Promise<HookReceiver> {
  const { createServer } = await import('node:http');
  const receiver: HookReceiver = {
    url: '',
    hookUrl: '',
    tokenUrl: '',
    received: [],
    answer: () => ({
      status: 200,
      body: {
        commands: [
          {
            type: 'com.okta.telephony.action',
            value: [{ status: 'SUCCESSFUL', provider: 'TESTPROVIDER', transactionId: 'SM1' }],
          },
        ],
      },
    }),
    token: () => ({
      status: 200,
      body: { access_token: 'test-access-token', token_type: 'Bearer', expires_in: 3600 },
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedRequest = { path: req.url ?? '/', headers: req.headers, body };
      if ((req.headers['content-type'] ?? '').startsWith('application/json')) request.json = JSON.parse(body);
      if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        request.form = Object.fromEntries(new URLSearchParams(body));
      }
      receiver.received.push(request);
      const reply = request.path === '/token' ? receiver.token(request) : receiver.answer(request);
      const send = () => {
        if (res.destroyed) return;
        res.statusCode = reply.status;
        res.setHeader('content-type', 'application/json');
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      };
      const delay = (reply as { delayMs?: number }).delayMs;
      if (delay) setTimeout(send, delay).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  receiver.hookUrl = `${receiver.url}/hook`;
  receiver.tokenUrl = `${receiver.url}/token`;
  return receiver;
}

/** Management API call with the test token; parsed JSON body. */
export async function api(
  okta: TestOktaSim,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${okta.url}${path}`, {
    method,
    headers: {
      authorization: okta.authorization,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
