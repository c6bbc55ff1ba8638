import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createBoundedServer, HOOK_SERVER_LIMITS } from './bounded-server.ts';

/** Resolves with how long the server took to close the socket; rejects if it is still open after `deadlineMs`. */
function closedWithin(socket: Socket, deadlineMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${deadlineMs} ms`));
    }, deadlineMs);
    socket.on('error', () => {});
    socket.resume(); // read (and drop) the 408: 'close' follows the end of the readable side
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

describe('the hook port’s HTTP limits', () => {
  const server = createBoundedServer((_req, res) => res.end('ok'), { maxConnections: 4 });
  let port: number;
  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  // Node's defaults cut such a client off only after ≈ 39 s; the deadline leaves room for a loaded machine.
  const deadline = HOOK_SERVER_LIMITS.requestTimeoutMs + 10_000;

  it('cuts off a client that never finishes its headers within seconds', async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /v1/okta/telephony HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
    const ms = await closedWithin(socket, deadline);
    assert.ok(ms < deadline);
  });

  it('cuts off a client that trickles its body', async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /v1/okta/telephony HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{');
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    try {
      await closedWithin(socket, deadline);
    } finally {
      clearInterval(trickle);
    }
  });

  it('caps open connections (more are dropped) and still serves once they go', async () => {
    const idle = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        await once(s, 'connect');
        return s;
      }),
    );
    const extra = connect(port, '127.0.0.1');
    extra.on('error', () => {});
    await closedWithin(extra, 5_000);
    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await res.text(), 'ok');
  });
});
