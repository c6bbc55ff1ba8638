import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, it } from 'node:test';
import { createSimulator } from './app.ts';
import { listenSimulator } from './server.ts';
import { postForm, startTestSimulator } from './testing/harness.ts';

/** Sends a request and resolves once the server has read it, without waiting for an answer. */
function sendAndForget(url: string, authorization: string): Promise<{ closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const body = 'To=%2B15551234567&From=%2B15557654321&Body=hi';
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(body),
      },
    });
    const closed = new Promise<void>((done) => {
      req.on('error', () => done());
      req.on('close', () => done());
    });
    req.on('error', reject);
    req.end(body, () => resolve({ closed }));
  });
}

describe('listenSimulator', () => {
  it('closes promptly while requests are held open by hangRate or latency, dropping their connections', async () => {
    const t = await startTestSimulator({ initialFaults: { twilio: { hangRate: 1 } } });
    const hung = await sendAndForget(`${t.accountUrl}/Messages.json`, t.authorization);
    t.sim.faults.set('twilio', { latencyMs: 60_000 });
    const delayed = await sendAndForget(`${t.accountUrl}/Messages.json`, t.authorization);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = performance.now();
    await t.close();
    assert.ok(performance.now() - started < 1_000, 'close() did not wait for the held requests');
    await hung.closed;
    await delayed.closed;
    assert.equal(t.sim.store.query().length, 0);
  });

  it('closes with idle keep-alive connections open', async () => {
    const t = await startTestSimulator();
    const res = await postForm(
      `${t.accountUrl}/Messages.json`,
      { To: '+15551234567', From: '+15557654321', Body: 'a' },
      {
        authorization: t.authorization,
      },
    );
    assert.equal(res.status, 201);
    const started = performance.now();
    await t.close();
    await t.close(); // idempotent
    assert.ok(performance.now() - started < 1_000);
  });

  it('reports the URL it listens on and refuses a port in use', async () => {
    const first = await listenSimulator(createSimulator(), { port: 0, host: '127.0.0.1' });
    try {
      assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const port = Number(new URL(first.url).port);
      await assert.rejects(listenSimulator(createSimulator(), { port, host: '127.0.0.1' }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
