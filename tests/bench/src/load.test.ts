import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { runPaced, runPacedInterleaved } from './load.ts';

describe('runPaced', () => {
  it('sends rate × duration requests, each body fresh, and counts every answer by status', async () => {
    const bodies: string[] = [];
    let n = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.push(body);
        res.statusCode = n++ % 2 === 0 ? 200 : 503;
        res.end('{}');
      });
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    let i = 0;
    const result = await runPaced({
      url: `http://127.0.0.1:${port}`,
      path: '/hook',
      headers: { authorization: 'x' },
      body: () => JSON.stringify({ i: i++ }),
      rate: 40,
      duration: 0.5,
    });
    server.close();
    assert.equal(result.answered, 20);
    assert.deepEqual(result.statusCounts, { '200': 10, '503': 10 });
    assert.equal(result.latenciesMs.length, 20);
    assert.equal(new Set(bodies).size, 20, 'a fresh body per request');
    assert.equal(result.timeouts + result.errors, 0);
  });

  it('counts refused connections as errors, not answers', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const result = await runPaced({
      url: `http://127.0.0.1:${port}`,
      path: '/hook',
      headers: {},
      body: () => '{}',
      rate: 20,
      duration: 0.25,
    });
    assert.equal(result.answered, 0);
    assert.equal(result.errors, 5);
  });

  it('interleaves targets request by request, with one result per target', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      req.resume();
      req.on('end', () => {
        res.statusCode = req.headers.authorization === 'b' ? 401 : 200;
        res.end('{}');
      });
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const target = (authorization: string) => ({
      url: `http://127.0.0.1:${port}`,
      path: '/hook',
      headers: { authorization },
      body: () => '{}',
    });
    const [a, b] = await runPacedInterleaved([target('a'), target('b')], { rate: 40, duration: 0.5 });
    server.close();
    assert.equal(seen.length, 20);
    // Sent in turns: a b a b … (answers may overtake one another, so compare counts, not order of arrival).
    assert.equal(seen.filter((h) => h === 'a').length, 10);
    assert.deepEqual(a?.statusCounts, { '200': 10 });
    assert.deepEqual(b?.statusCounts, { '401': 10 });
    assert.equal(a?.latenciesMs.length, 10);
    assert.equal(b?.latenciesMs.length, 10);
  });
});
