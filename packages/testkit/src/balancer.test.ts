import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { startLoadBalancer } from './balancer.ts';
import { getFreePort } from './ports.ts';

const servers: Server[] = [];

async function backend(name: string): Promise<number> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ name, method: req.method, path: req.url, body, auth: req.headers.authorization }),
      );
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

async function post(url: string): Promise<{ name: string; body: string; path: string; auth: string }> {
  const response = await fetch(`${url}/v1/x?y=1`, {
    method: 'POST',
    headers: { authorization: 'Basic abc' },
    body: 'hello',
  });
  return (await response.json()) as { name: string; body: string; path: string; auth: string };
}

describe('startLoadBalancer', () => {
  it('on a thread of its own: the same spread and pass-through, counts reported, closed cleanly', async () => {
    const ports = [await backend('a'), await backend('b')];
    const lb = await startLoadBalancer({
      backends: ports.map((port) => ({ host: '127.0.0.1', port })),
      ownThread: true,
    });
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await post(lb.url));
      assert.deepEqual(answers.map((a) => a.name).sort(), ['a', 'a', 'b', 'b']);
      assert.equal(answers[0]?.body, 'hello');
      assert.equal(answers[0]?.auth, 'Basic abc');
    } finally {
      await lb.close();
    }
    // The last snapshot is sent as the thread closes.
    assert.deepEqual(Object.values(lb.counts()), [2, 2]);
    await assert.rejects(fetch(lb.url), 'nothing listens once closed');
  });

  it('spreads requests round-robin and passes method, path, headers and body through', async () => {
    const lb = await startLoadBalancer({
      backends: [
        { host: '127.0.0.1', port: await backend('a') },
        { host: '127.0.0.1', port: await backend('b') },
      ],
    });
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await post(lb.url));
      assert.deepEqual(answers.map((a) => a.name).sort(), ['a', 'a', 'b', 'b']);
      assert.equal(answers[0]?.body, 'hello');
      assert.equal(answers[0]?.path, '/v1/x?y=1');
      assert.equal(answers[0]?.auth, 'Basic abc');
    } finally {
      await lb.close();
    }
  });

  it('skips a backend that refuses connections', async () => {
    const dead = await getFreePort();
    const lb = await startLoadBalancer({
      backends: [
        { host: '127.0.0.1', port: dead },
        { host: '127.0.0.1', port: await backend('alive') },
      ],
    });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await post(lb.url)).name, 'alive');
    } finally {
      await lb.close();
    }
  });

  it('answers 502 when no backend accepts the connection', async () => {
    const lb = await startLoadBalancer({ backends: [{ host: '127.0.0.1', port: await getFreePort() }] });
    try {
      const response = await fetch(lb.url, { method: 'POST', body: 'x' });
      assert.equal(response.status, 502);
      assert.match(await response.text(), /ECONNREFUSED/);
    } finally {
      await lb.close();
    }
  });

  it('refuses an empty backend list', async () => {
    await assert.rejects(startLoadBalancer({ backends: [] }), /at least one backend/);
  });
});
