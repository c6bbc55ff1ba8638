import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from '../errors.ts';
import { createTwilioClient } from './client.ts';
import { TwilioSmsProvider } from './sms.ts';

/** A bare HTTP server standing in for Twilio's API: what the SDK + our undici client put on the wire. */
let server: Server;
let baseUrl: string;
let connections = 0;
let handler: (req: IncomingMessage, body: string, res: ServerResponse) => void;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => handler(req, body, res));
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'test-token-0123456789';

function provider(timeoutMs = 1_000) {
  const client = createTwilioClient({ accountSid: SID, authToken: TOKEN, apiBaseUrl: baseUrl, timeoutMs });
  return new TwilioSmsProvider(client, { fromNumber: '+15005550006' });
}

const request = {
  to: '+14155550123',
  body: 'Your code is 482913 & more',
  validitySeconds: 290,
  clientRef: 'e1',
};

function created(res: ServerResponse): void {
  res.writeHead(201, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ sid: `SM${'0'.repeat(32)}`, status: 'queued' }));
}

describe('TwilioHttpClient (undici behind the SDK)', () => {
  it('sends the SDK request as Twilio expects it: path, basic auth, form body, SDK headers', async () => {
    let seen: { url?: string; method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    handler = (req, body, res) => {
      seen = { url: req.url ?? '', method: req.method ?? '', headers: req.headers, body };
      created(res);
    };
    const result = await provider().sendSms({
      ...request,
      statusCallbackUrl: 'https://hooks.example.com/cb?t=a b',
    });
    assert.equal(result.providerMessageId, `SM${'0'.repeat(32)}`);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, `/2010-04-01/Accounts/${SID}/Messages.json`);
    assert.equal(seen.headers?.authorization, `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    assert.equal(seen.headers?.['content-type'], 'application/x-www-form-urlencoded');
    assert.match(String(seen.headers?.['user-agent']), /^twilio-node\//);
    const form = new URLSearchParams(seen.body);
    assert.equal(form.get('To'), '+14155550123');
    assert.equal(form.get('From'), '+15005550006');
    assert.equal(form.get('Body'), 'Your code is 482913 & more');
    assert.equal(form.get('ValidityPeriod'), '290');
    assert.equal(form.get('StatusCallback'), 'https://hooks.example.com/cb?t=a b');
  });

  it('keeps connections alive across sends (sequential sends share the pool, not one connection each)', async () => {
    handler = (_req, _body, res) => created(res);
    const sms = provider();
    const before = connections;
    for (let i = 0; i < 10; i++) await sms.sendSms(request);
    // undici may open a second socket while the first one's answer is being finished; never one per send.
    assert.ok(connections - before <= 2, `${connections - before} connections for 10 sequential sends`);
  });

  it('a socket closed after the request was sent is "unavailable, may have been delivered"', async () => {
    handler = (req) => req.socket.destroy();
    const error = await provider()
      .sendSms(request)
      .then(() => assert.fail('expected a rejection'))
      .catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError, String(error));
    assert.deepEqual(
      [error.kind, error.code, error.mayHaveBeenDelivered],
      ['unavailable', 'UND_ERR_SOCKET', true],
    );
  });

  it('a body that stalls after the headers times out at the client timeout', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write('{"sid":');
    };
    const started = performance.now();
    const error = await provider(300)
      .sendSms(request)
      .then(() => assert.fail('expected a rejection'))
      .catch((e: unknown) => e);
    assert.ok(error instanceof ProviderError, String(error));
    assert.deepEqual([error.kind, error.mayHaveBeenDelivered], ['unavailable', true]);
    assert.ok(performance.now() - started < 1_500);
  });
});
