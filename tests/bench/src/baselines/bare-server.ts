/**
 * Baseline for benchmark 1: the cheapest possible HTTP answer on this machine — a bare node:http server that
 * drains the request and answers a constant 200 with a small JSON body. Run as its own process, like hook-ingress,
 * so the load generator and the server compete for the same two cores in both measurements.
 *
 * Env: PORT (required), HOST (default 127.0.0.1).
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
  console.error(`bare-server: PORT must be a TCP port, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}
const host = process.env.HOST ?? '127.0.0.1';
// The same shape and size class as a PENDING answer, so bytes on the wire are comparable.
const BODY = JSON.stringify({
  commands: [
    { type: 'com.okta.telephony.action', value: [{ status: 'PENDING', transactionId: 'baseline' }] },
  ],
});

const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  // Read the body as any real handler must, then answer at once.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 5_000;
server.listen(port, host);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
