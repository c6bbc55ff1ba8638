import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from './logger.ts';
import { REDACTED, redact, scrubString } from './redaction.ts';

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { stream, lines };
}

describe('logger redaction', () => {
  it('redacts sensitive keys at any depth and scrubs numbers in strings and messages', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ service: 'test', destination: stream });
    log.info(
      {
        eventId: 'evt123',
        messageProfile: {
          otpCode: '482913',
          phoneNumber: '+14155550123',
          msgTemplate: 'Your code is 482913',
        },
        headers: { authorization: 'Basic c2VjcmV0' },
        err: new Error("The 'To' number +1 415 555 0123 is not valid"),
        phoneMasked: '+1•••••••23',
      },
      'sending to +14155550123',
    );
    await new Promise((r) => setImmediate(r));
    const line = lines.join('\n');
    for (const secret of ['482913', '4155550123', '415 555 0123', 'c2VjcmV0']) {
      assert.ok(!line.includes(secret), `leaked ${secret}: ${line}`);
    }
    const parsed = JSON.parse(lines[0] ?? '{}');
    assert.equal(parsed.messageProfile.otpCode, REDACTED);
    assert.equal(parsed.headers.authorization, REDACTED);
    assert.equal(parsed.phoneMasked, '+1•••••••23');
    assert.equal(parsed.eventId, 'evt123');
    assert.match(parsed.msg, /sending to \[number …23\]/);
    assert.match(parsed.err.message, /\[number …23\] is not valid/);
  });

  it('keeps ordinary values readable', () => {
    assert.equal(scrubString('took 1234 ms on port 8080'), 'took 1234 ms on port 8080');
    const sid = 'SM0f3c1234567890abcdef1234567890ab';
    assert.equal(scrubString(`accepted ${sid}`), `accepted ${sid}`);
    assert.equal(scrubString('call 4155550123 now'), 'call [number …23] now');
    const uuid = '2f3b1c6e-1234-5678-9012-345678901234';
    assert.equal(scrubString(`vonage ${uuid} and 4155550123`), `vonage ${uuid} and [number …23]`);
    assert.deepEqual(redact({ status: 'SUCCESSFUL', attempt: 2, provider: 'twilio' }), {
      status: 'SUCCESSFUL',
      attempt: 2,
      provider: 'twilio',
    });
  });

  it('redacts OAuth credentials under their form names', () => {
    assert.deepEqual(
      redact({
        client_id: '0oa1',
        client_secret: 's3cr3t',
        client_assertion: 'eyJ.x.y',
        access_token: 'eyJ.a.b',
      }),
      { client_id: '0oa1', client_secret: REDACTED, client_assertion: REDACTED, access_token: REDACTED },
    );
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    assert.deepEqual(redact(a), { name: 'a', self: '[circular]' });
  });
});

describe('trace ids on log lines', () => {
  it('adds trace_id and span_id inside a span and nothing outside', async () => {
    const { context, trace } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const { stream, lines } = capture();
    const log = createLogger({ service: 'test', destination: stream });
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    };
    context.with(trace.setSpanContext(context.active(), spanContext), () => log.info('inside'));
    log.info('outside');
    await new Promise((r) => setImmediate(r));
    const [inside, outside] = lines.map((l) => JSON.parse(l));
    assert.equal(inside.trace_id, spanContext.traceId);
    assert.equal(inside.span_id, spanContext.spanId);
    assert.equal(outside.trace_id, undefined);
    context.disable();
  });
});
