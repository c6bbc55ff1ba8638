import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';
import {
  SANDBOX_SENDGRID_API_KEY,
  SANDBOX_TWILIO_ACCOUNT_SID,
  SANDBOX_TWILIO_AUTH_TOKEN,
  SANDBOX_VONAGE_API_KEY,
  SANDBOX_VONAGE_API_SECRET,
  SANDBOX_VONAGE_APPLICATION_ID,
} from './sandbox.ts';
import { testVonagePrivateKey } from './testing/harness.ts';

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
      providerPorts: {},
      twilio: {
        accountSid: SANDBOX_TWILIO_ACCOUNT_SID,
        authToken: SANDBOX_TWILIO_AUTH_TOKEN,
        subaccounts: [],
        sandboxCredentials: true,
      },
      vonage: {
        apiKey: SANDBOX_VONAGE_API_KEY,
        apiSecret: SANDBOX_VONAGE_API_SECRET,
        applicationId: SANDBOX_VONAGE_APPLICATION_ID,
        sandboxCredentials: true,
      },
      sendgrid: { apiKey: SANDBOX_SENDGRID_API_KEY, sandboxCredentials: true },
      twilioLatencyMs: 0,
      initialFaults: {},
      callbacks: { initial: {}, allowedHosts: ['localhost', '127.0.0.1', '[::1]'] },
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
      SIM_TWILIO_SUBACCOUNTS: `[{"accountSid":"AC${'cd'.repeat(16)}","authToken":"acme-token","friendlyName":"acme"}]`,
      SIM_MAX_RECORDS: '',
    });
    assert.equal(config.port, 0);
    assert.equal(config.host, '0.0.0.0');
    assert.deepEqual(config.twilio, {
      accountSid: `AC${'ab'.repeat(16)}`,
      authToken: 'secret-token',
      subaccounts: [{ accountSid: `AC${'cd'.repeat(16)}`, authToken: 'acme-token', friendlyName: 'acme' }],
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

describe('loadConfig, Vonage', () => {
  const pem = testVonagePrivateKey();

  it('reads credentials and the application key from VONAGE_PRIVATE_KEY or a file', () => {
    const config = loadConfig({
      VONAGE_API_KEY: 'k',
      VONAGE_API_SECRET: 's',
      VONAGE_APPLICATION_ID: 'app',
      VONAGE_PRIVATE_KEY: pem.replaceAll('\n', '\\n'),
      VONAGE_SIGNATURE_SECRET: 'sig',
    });
    assert.equal(config.vonage.apiKey, 'k');
    assert.equal(config.vonage.sandboxCredentials, false);
    assert.equal(config.vonage.signatureSecret, 'sig');
    assert.ok(config.vonage.privateKey?.includes('PRIVATE KEY'));

    const dir = mkdtempSync(join(tmpdir(), 'sim-config-'));
    writeFileSync(join(dir, 'private.key'), pem);
    assert.equal(loadConfig({ VONAGE_PRIVATE_KEY_PATH: join(dir, 'private.key') }).vonage.privateKey, pem);
  });

  it('names a bad, unreadable or doubly-given key', () => {
    assert.match(
      problems({ VONAGE_PRIVATE_KEY: 'nope' }).join(),
      /^VONAGE_PRIVATE_KEY: the Vonage application key is not a PEM RSA key/,
    );
    assert.match(
      problems({ VONAGE_PRIVATE_KEY_PATH: '/nonexistent/key' }).join(),
      /VONAGE_PRIVATE_KEY_PATH: cannot read the file \(ENOENT\)/,
    );
    assert.match(
      problems({ VONAGE_PRIVATE_KEY: pem, VONAGE_PUBLIC_KEY: pem }).join(),
      /set only one of them/,
    );
    assert.ok(!problems({ VONAGE_PRIVATE_KEY: 'nope' }).join().includes('nope'), 'the value is never echoed');
  });
});

describe('loadConfig, dedicated provider ports', () => {
  it('reads SIM_<PROVIDER>_PORT and refuses clashes', () => {
    assert.deepEqual(
      loadConfig({ SIM_TWILIO_PORT: '4011', SIM_VONAGE_PORT: '0', SIM_SENDGRID_PORT: '0' }).providerPorts,
      {
        twilio: 4011,
        vonage: 0,
        sendgrid: 0,
      },
    );
    assert.match(
      problems({ SIM_VONAGE_PORT: '4010' }).join(),
      /^SIM_VONAGE_PORT: port 4010 is already used by PORT$/,
    );
    assert.match(
      problems({ SIM_TWILIO_PORT: '5000', SIM_SENDGRID_PORT: '5000' }).join(),
      /SIM_SENDGRID_PORT: .* SIM_TWILIO_PORT/,
    );
    assert.match(problems({ SIM_TWILIO_PORT: 'x' }).join(), /^SIM_TWILIO_PORT: /);
  });
});

describe('loadConfig, callbacks', () => {
  it('reads SIM_CALLBACKS, SIM_CALLBACK_HOSTS and the SendGrid event settings', () => {
    const config = loadConfig({
      SIM_CALLBACKS: '{"twilio":{"undelivered":1,"errorCode":30003},"sendgrid":{"email":{"bounce":1}}}',
      SIM_CALLBACK_HOSTS: 'LocalHost, hook-ingress',
      SIM_SENDGRID_EVENT_URL: 'http://hook-ingress:8080/v1/callbacks/sendgrid',
    });
    assert.deepEqual(config.callbacks.initial, {
      twilio: { undelivered: 1, errorCode: 30003 },
      sendgrid: { email: { bounce: 1 } },
    });
    assert.deepEqual(config.callbacks.allowedHosts, ['localhost', 'hook-ingress']);
    assert.equal(config.callbacks.sendgridEventUrl, 'http://hook-ingress:8080/v1/callbacks/sendgrid');
  });

  it('names every problem at once (once each variable has the right shape)', () => {
    const shape = problems({ SIM_SENDGRID_EVENT_URL: 'nope', SIM_CALLBACKS: '{' }).join('\n');
    assert.match(shape, /^SIM_SENDGRID_EVENT_URL: must be an absolute http or https URL$/m);
    assert.match(shape, /^SIM_CALLBACKS: not valid JSON/m);
    const found = problems({
      SIM_CALLBACKS: '{"twilio":{"failed":1},"nexmo":{}}',
      SIM_SENDGRID_EVENT_PRIVATE_KEY: 'nope',
      VONAGE_PRIVATE_KEY: 'nope',
      SIM_TWILIO_PORT: '4010',
    }).join('\n');
    assert.match(found, /^SIM_CALLBACKS \(at twilio\): failed could be sms or voice outcomes/m);
    assert.match(found, /^SIM_CALLBACKS: .*nexmo/m);
    assert.match(found, /^SIM_SENDGRID_EVENT_PRIVATE_KEY: not a PEM private key/m);
    assert.match(found, /^VONAGE_PRIVATE_KEY: /m);
    assert.match(found, /^SIM_TWILIO_PORT: port 4010 is already used by PORT$/m);
  });
});
