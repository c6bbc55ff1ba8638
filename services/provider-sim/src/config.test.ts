import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';
import { SANDBOX_TWILIO_ACCOUNT_SID, SANDBOX_TWILIO_AUTH_TOKEN } from './sandbox.ts';

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to the sandbox account on 127.0.0.1:4010', () => {
    assert.deepEqual(loadConfig({}), {
      port: 4010,
      host: '127.0.0.1',
      twilio: {
        accountSid: SANDBOX_TWILIO_ACCOUNT_SID,
        authToken: SANDBOX_TWILIO_AUTH_TOKEN,
        sandboxCredentials: true,
      },
      twilioLatencyMs: 0,
      initialFaults: {},
      maxRecords: 10_000,
    });
  });

  it('reads every variable, ignoring blank ones', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      TWILIO_ACCOUNT_SID: `AC${'ab'.repeat(16)}`,
      TWILIO_AUTH_TOKEN: 'secret-token',
      SIM_LATENCY_MS: '120',
      SIM_FAULTS: '{"twilio":{"errorRate":0.25,"latencyMs":{"min":5,"max":9}}}',
      SIM_MAX_RECORDS: '',
    });
    assert.equal(config.port, 0);
    assert.equal(config.host, '0.0.0.0');
    assert.deepEqual(config.twilio, {
      accountSid: `AC${'ab'.repeat(16)}`,
      authToken: 'secret-token',
      sandboxCredentials: false,
    });
    assert.equal(config.twilioLatencyMs, 120);
    assert.deepEqual(config.initialFaults, { twilio: { errorRate: 0.25, latencyMs: { min: 5, max: 9 } } });
    assert.equal(config.maxRecords, 10_000);
  });

  it('names each bad variable and what is wrong with it', () => {
    const found = problems({
      PORT: 'eighty',
      TWILIO_ACCOUNT_SID: 'AC123',
      SIM_LATENCY_MS: '-5',
      SIM_FAULTS: '{"twilio":{"errorRate":2}}',
    });
    assert.equal(found.length, 4);
    assert.match(found.join('\n'), /^PORT: /m);
    assert.match(found.join('\n'), /^TWILIO_ACCOUNT_SID: must be "AC" followed by 32 lowercase hex digits$/m);
    assert.match(found.join('\n'), /^SIM_LATENCY_MS: /m);
    assert.match(found.join('\n'), /^SIM_FAULTS \(at twilio\.errorRate\): /m);
  });

  it('reports SIM_FAULTS that is not JSON as such', () => {
    assert.match(
      problems({ SIM_FAULTS: '{twilio: {errorRate: 1}}' }).join('\n'),
      /^SIM_FAULTS: not valid JSON/,
    );
  });

  it('refuses upper-case hex in the account SID, as the SDK-generated SIDs are lower case', () => {
    assert.equal(problems({ TWILIO_ACCOUNT_SID: `AC${'AB'.repeat(16)}` }).length, 1);
  });
});
