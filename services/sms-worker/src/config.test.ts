import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseEnv } from '@byot/config';
import { smsWorkerEnvSchema } from './config.ts';

const base = {
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'sandbox-auth-token',
};

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(smsWorkerEnvSchema, { ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('sms-worker configuration', () => {
  it('has the documented defaults', () => {
    const config = parseEnv(smsWorkerEnvSchema, { ...base, TWILIO_FROM_NUMBER: '+15005550006' });
    assert.equal(config.HEALTH_PORT, 9101);
    assert.equal(config.SMS_WORKER_CONCURRENCY, 50);
    assert.deepEqual(config.SMS_PROVIDERS, ['twilio']);
    assert.equal(config.SMS_TEMPLATE, 'Your verification code is {code}');
    assert.equal(config.LANDLINE_TO_VOICE, true);
  });

  it('needs a sender: a From number or a messaging service', () => {
    assert.deepEqual(problems({}), [
      'TWILIO_FROM_NUMBER: set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID',
    ]);
    assert.deepEqual(problems({ TWILIO_MESSAGING_SERVICE_SID: `MG${'a'.repeat(32)}` }), []);
    assert.equal(problems({ TWILIO_MESSAGING_SERVICE_SID: 'MG123' }).length, 1);
  });

  it('refuses a template without the code, and a listed backup provider without its credentials', () => {
    const env = { TWILIO_FROM_NUMBER: '+15005550006' };
    assert.match(
      problems({ ...env, SMS_TEMPLATE: 'Your code' })[0] ?? '',
      /^SMS_TEMPLATE: must contain \{code\}/,
    );
    assert.deepEqual(problems({ ...env, SMS_PROVIDERS: 'twilio,vonage' }).sort(), [
      'VONAGE_API_KEY: required: SMS_PROVIDERS lists vonage',
      'VONAGE_API_SECRET: required: SMS_PROVIDERS lists vonage',
      'VONAGE_FROM_NUMBER: required: SMS_PROVIDERS lists vonage',
    ]);
    assert.match(problems({ ...env, SMS_PROVIDERS: 'twilio,nexmo' })[0] ?? '', /^SMS_PROVIDERS/);
  });
});
