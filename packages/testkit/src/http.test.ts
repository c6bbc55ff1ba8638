import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { postJson, waitForHttp } from './http.ts';
import { getFreePort } from './ports.ts';

let server: Server;
let base: string;
let healthCalls = 0;

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/health') {
      healthCalls += 1;
      res.writeHead(healthCalls >= 3 ? 200 : 503).end();
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      if (req.url === '/echo') {
        res.writeHead(201, {
          'content-type': 'application/json',
          'x-seen-auth': req.headers.authorization ?? '',
        });
        res.end(JSON.stringify({ got: JSON.parse(body), type: req.headers['content-type'] }));
      } else {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('nope');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

test('waitForHttp polls until the URL answers 2xx', async () => {
  await waitForHttp(`${base}/health`, 2_000, { intervalMs: 5 });
  assert.equal(healthCalls, 3);
});

test('waitForHttp times out naming the last failure', async () => {
  const port = await getFreePort();
  await assert.rejects(
    waitForHttp(`http://127.0.0.1:${port}/`, 100),
    /did not answer 2xx within 100 ms \(ECONNREFUSED\)/,
  );
});

test('postJson sends JSON and returns status, headers, parsed body and timing', async () => {
  const response = await postJson(`${base}/echo`, { a: 1 }, { authorization: 'Basic abc' });
  assert.equal(response.status, 201);
  assert.equal(response.headers['x-seen-auth'], 'Basic abc');
  assert.deepEqual(response.body, { got: { a: 1 }, type: 'application/json' });
  assert.ok(response.elapsedMs > 0);
});

test('postJson returns non-JSON bodies as text and does not throw on errors', async () => {
  const response = await postJson(`${base}/fail`, {});
  assert.equal(response.status, 500);
  assert.equal(response.body, 'nope');
});
