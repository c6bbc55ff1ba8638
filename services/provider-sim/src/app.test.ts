import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSimulator } from './app.ts';
import { SANDBOX_TWILIO_ACCOUNT_SID, SANDBOX_TWILIO_AUTH_TOKEN } from './sandbox.ts';

describe('createSimulator', () => {
  it('defaults to the sandbox Twilio account and exposes app, store and faults', () => {
    const sim = createSimulator();
    assert.equal(typeof sim.app, 'function', 'an express application');
    assert.deepEqual(sim.twilio, {
      accountSid: SANDBOX_TWILIO_ACCOUNT_SID,
      authToken: SANDBOX_TWILIO_AUTH_TOKEN,
    });
    assert.equal(sim.store.capacity, 10_000);
    assert.deepEqual(sim.faults.snapshot(), { twilio: {}, vonage: {}, sendgrid: {} });
  });

  it('applies options: account, capacity, start-up faults and baseline latency', () => {
    const accountSid = `AC${'12'.repeat(16)}`;
    const sim = createSimulator({
      twilio: { accountSid, authToken: 't', baselineLatencyMs: 25 },
      maxRecords: 5,
      initialFaults: { twilio: { throttleRate: 1 } },
    });
    assert.equal(sim.twilio.accountSid, accountSid);
    assert.equal(sim.store.capacity, 5);
    assert.deepEqual(sim.faults.get('twilio'), { throttleRate: 1 });
    assert.equal(sim.faults.decide('twilio').latencyMs, 25);
  });

  it('refuses invalid options with a clear error', () => {
    assert.throws(
      () => createSimulator({ twilio: { accountSid: 'AC123' } }),
      /accountSid must be "AC" followed by 32/,
    );
    assert.throws(() => createSimulator({ twilio: { authToken: '' } }), /authToken must not be empty/);
    assert.throws(() => createSimulator({ maxRecords: 0 }), /capacity must be a positive integer/);
    assert.throws(() => createSimulator({ initialFaults: { twilio: { errorRate: 3 } } }));
  });
});
