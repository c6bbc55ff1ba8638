import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestSimulator, type TestSimulator } from '@byot/provider-sim/testing';
import { ProviderError } from '../errors.ts';
import { createTwilioClient } from './client.ts';
import { TwilioSmsProvider } from './sms.ts';

let sim: TestSimulator;
before(async () => {
  sim = await startTestSimulator();
});
after(async () => {
  await sim.close();
});

function provider(options: { token?: string; timeoutMs?: number; from?: string } = {}) {
  const client = createTwilioClient({
    accountSid: sim.sim.twilio.accountSid,
    authToken: options.token ?? sim.sim.twilio.authToken,
    apiBaseUrl: sim.url,
    timeoutMs: options.timeoutMs ?? 2_000,
  });
  return new TwilioSmsProvider(client, { fromNumber: options.from ?? '+15005550006' });
}

const request = (to: string) => ({
  to,
  body: 'Your code is 482913',
  validitySeconds: 290,
  clientRef: 'byot-e1',
});

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ProviderError, `not a ProviderError: ${String(error)}`);
    return error;
  }
  assert.fail('expected a ProviderError');
}

describe('TwilioSmsProvider against the simulator, through the official SDK', () => {
  it('sends To/From/Body/ValidityPeriod/StatusCallback and returns the message SID', async () => {
    const result = await provider().sendSms({
      ...request('+14155550123'),
      statusCallbackUrl: 'https://hooks.example.com/cb',
    });
    assert.match(result.providerMessageId, /^SM[0-9a-f]{32}$/);
    assert.equal(result.providerStatus, 'queued');
    const record = sim.sim.store.findBySid(result.providerMessageId);
    assert.equal(record?.to, '+14155550123');
    assert.equal(record?.body, 'Your code is 482913');
    assert.equal(record?.validityPeriod, 290);
    assert.equal(record?.statusCallback, 'https://hooks.example.com/cb');
  });

  it('classifies permanent destination errors, with the voice hint for non-mobile numbers', async () => {
    const invalid = await rejection(provider().sendSms(request('+15005550001')));
    assert.deepEqual([invalid.kind, invalid.code], ['destination-permanent', '21211']);
    assert.ok(!invalid.message.includes('5005550001'), invalid.message);
    const landline = await rejection(provider().sendSms(request('+15005550009')));
    assert.equal(landline.kind, 'destination-permanent');
    assert.equal(landline.suggestsVoice, true);
    assert.equal((await rejection(provider().sendSms(request('+15005550004')))).code, '21610');
  });

  it('treats bad credentials as the provider being unusable (fail over), not as a bad number', async () => {
    const error = await rejection(provider({ token: 'wrong-token-0000' }).sendSms(request('+14155550123')));
    assert.deepEqual([error.kind, error.code], ['unavailable', '20003']);
  });

  it('maps 429 to rate-limited with Retry-After, and 5xx to unavailable', async () => {
    sim.sim.faults.set('twilio', { throttleRate: 1, retryAfterSeconds: 2 });
    try {
      const throttled = await rejection(provider().sendSms(request('+14155550123')));
      assert.deepEqual([throttled.kind, throttled.retryAfterMs], ['rate-limited', 2000]);
      sim.sim.faults.set('twilio', { errorRate: 1, errorStatus: 503, errorCode: 20503 });
      const down = await rejection(provider().sendSms(request('+14155550123')));
      assert.equal(down.kind, 'unavailable');
    } finally {
      sim.sim.faults.clear('twilio');
    }
  });

  it('times out a hanging provider at the client timeout, flagged as possibly delivered', async () => {
    sim.sim.faults.set('twilio', { hangRate: 1 });
    try {
      const started = performance.now();
      const error = await rejection(provider({ timeoutMs: 300 }).sendSms(request('+14155550123')));
      assert.equal(error.kind, 'unavailable');
      assert.equal(error.mayHaveBeenDelivered, true);
      assert.ok(performance.now() - started < 1_500);
    } finally {
      sim.sim.faults.clear('twilio');
    }
  });

  it('reports a refused connection as unavailable', async () => {
    const client = createTwilioClient({
      accountSid: sim.sim.twilio.accountSid,
      authToken: 'x'.repeat(16),
      apiBaseUrl: 'http://127.0.0.1:1',
      timeoutMs: 500,
    });
    const error = await rejection(
      new TwilioSmsProvider(client, { fromNumber: '+15005550006' }).sendSms(request('+14155550123')),
    );
    assert.deepEqual([error.kind, error.code], ['unavailable', 'ECONNREFUSED']);
  });
});
