import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, decodeKey, jsonFromEnv, parseEnv, publicUrlEnv, redisEnv, sealingEnv } from './env.ts';

const schema = z.object({ ...redisEnv, ...sealingEnv, ...publicUrlEnv });
const key = Buffer.alloc(32, 7).toString('base64');

describe('parseEnv', () => {
  it('applies defaults and treats empty strings as unset', () => {
    const cfg = parseEnv(schema, { DATA_ENCRYPTION_KEY: key, REDIS_URL: '' });
    assert.equal(cfg.REDIS_URL, 'redis://127.0.0.1:6379');
    assert.equal(cfg.REDIS_KEY_PREFIX, 'byot');
    assert.equal(cfg.REDIS_CLUSTER_HASH_TAG, false);
  });

  it('lists every problem, naming the variable, without echoing values', () => {
    const secretLooking = 'not-a-key-but-a-secret-value';
    try {
      parseEnv(schema, {
        DATA_ENCRYPTION_KEY: secretLooking,
        REDIS_URL: 'http://x',
        PUBLIC_BASE_URL: 'ftp://x',
      });
      assert.fail('expected ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 3);
      assert.match(error.message, /DATA_ENCRYPTION_KEY: must be 32 bytes/);
      assert.match(error.message, /REDIS_URL: must start with redis:\/\//);
      assert.match(error.message, /PUBLIC_BASE_URL/);
      assert.ok(!error.message.includes(secretLooking));
    }
  });

  it('refuses a callback host with an underscore and strips a trailing slash', () => {
    assert.throws(() =>
      parseEnv(schema, { DATA_ENCRYPTION_KEY: key, PUBLIC_BASE_URL: 'https://my_host.example' }),
    );
    const cfg = parseEnv(schema, { DATA_ENCRYPTION_KEY: key, PUBLIC_BASE_URL: 'https://hooks.example.com/' });
    assert.equal(cfg.PUBLIC_BASE_URL, 'https://hooks.example.com');
  });
});

describe('decodeKey', () => {
  it('accepts 64 hex characters, base64 and base64url of 32 bytes', () => {
    const raw = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
    assert.deepEqual(decodeKey(raw.toString('hex')), raw);
    assert.deepEqual(decodeKey(raw.toString('base64')), raw);
    assert.deepEqual(decodeKey(raw.toString('base64url')), raw);
  });

  it('refuses short keys', () => {
    assert.equal(decodeKey(Buffer.alloc(16).toString('base64')), undefined);
    assert.equal(decodeKey('abc'), undefined);
  });
});

describe('jsonFromEnv', () => {
  const schema = z.object({ MAP_JSON: jsonFromEnv(z.record(z.string(), z.number())).optional() });

  it('parses JSON and checks it against the schema', () => {
    assert.deepEqual(parseEnv(schema, { MAP_JSON: '{"a":1}' }).MAP_JSON, { a: 1 });
    assert.equal(parseEnv(schema, {}).MAP_JSON, undefined);
  });

  it('names the variable for a syntax error and for a schema error', () => {
    assert.throws(() => parseEnv(schema, { MAP_JSON: '{a:1' }), /MAP_JSON: must be valid JSON/);
    assert.throws(() => parseEnv(schema, { MAP_JSON: '{"a":"x"}' }), /MAP_JSON\.a: /);
  });
});
