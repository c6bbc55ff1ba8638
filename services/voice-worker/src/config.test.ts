import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseEnv } from '@byot/config';
import { voiceWorkerEnvSchema } from './config.ts';

const base = {
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'sandbox-auth-token',
};

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(voiceWorkerEnvSchema, { ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('voice-worker configuration', () => {
  it('has the documented defaults', () => {
    const config = parseEnv(voiceWorkerEnvSchema, { ...base, TWILIO_FROM_NUMBER: '+15005550006' });
    assert.equal(config.HEALTH_PORT, 9102);
    assert.equal(config.VOICE_WORKER_CONCURRENCY, 20);
    assert.equal(config.VOICE_REPEAT, 3);
    assert.equal(config.VOICE_RING_TIMEOUT_SECONDS, 30);
    assert.equal(config.voiceFromNumber, '+15005550006');
    assert.equal(config.speech.resolve('fr-FR').language, 'fr-FR');
  });

  it('prefers TWILIO_VOICE_FROM_NUMBER and needs one of the two', () => {
    const config = parseEnv(voiceWorkerEnvSchema, {
      ...base,
      TWILIO_FROM_NUMBER: '+15005550006',
      TWILIO_VOICE_FROM_NUMBER: '+15005550010',
    });
    assert.equal(config.voiceFromNumber, '+15005550010');
    assert.equal(
      parseEnv(voiceWorkerEnvSchema, { ...base, TWILIO_VOICE_FROM_NUMBER: '+15005550010' }).voiceFromNumber,
      '+15005550010',
    );
    assert.deepEqual(problems({}), [
      'TWILIO_VOICE_FROM_NUMBER: set TWILIO_VOICE_FROM_NUMBER or TWILIO_FROM_NUMBER',
    ]);
  });

  it('bounds the repeat count and the ring timeout', () => {
    const env = { TWILIO_FROM_NUMBER: '+15005550006' };
    assert.equal(problems({ ...env, VOICE_REPEAT: '0' }).length, 1);
    assert.equal(problems({ ...env, VOICE_REPEAT: '6' }).length, 1);
    assert.equal(problems({ ...env, VOICE_RING_TIMEOUT_SECONDS: '601' }).length, 1);
  });

  it('applies phrase and voice overrides, and explains what is wrong with them', () => {
    const env = { TWILIO_FROM_NUMBER: '+15005550006' };
    const config = parseEnv(voiceWorkerEnvSchema, {
      ...base,
      ...env,
      VOICE_PHRASES_JSON: '{"en":"Your Acme code is","tr":"Doğrulama kodunuz"}',
      VOICE_VOICES_JSON: '{"tr":{"language":"tr-TR","voice":"Polly.Filiz"}}',
    });
    assert.equal(config.speech.resolve('en-US').intro, 'Your Acme code is');
    assert.equal(config.speech.resolve('tr-TR').voice, 'Polly.Filiz');

    assert.match(
      problems({ ...env, VOICE_PHRASES_JSON: '{en:' })[0] ?? '',
      /^VOICE_PHRASES_JSON: must be valid JSON/,
    );
    assert.match(
      problems({ ...env, VOICE_VOICES_JSON: '{"en":{"language":"en-US","voice":"Robot"}}' })[0] ?? '',
      /^VOICE_VOICES_JSON\.en\.voice: must be a Twilio voice/,
    );
    assert.deepEqual(problems({ ...env, VOICE_PHRASES_JSON: '{"tr":"Doğrulama kodunuz"}' }), [
      'VOICE_VOICES_JSON: "tr" has a phrase but no voice: add a voice for "tr"',
    ]);
  });
});
