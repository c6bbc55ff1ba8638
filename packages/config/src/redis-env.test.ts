import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, checkRedisEnv, parseEnv, redisEnv } from './env.ts';

const schema = z.object(redisEnv).superRefine(checkRedisEnv);
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    parseEnv(schema, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
};

describe('Redis topology settings', () => {
  it('parses sentinels (IPv6 too) and the master name', () => {
    const cfg = parseEnv(schema, {
      REDIS_SENTINELS: 'sentinel-0:26379, [::1]:26380,10.0.0.3:26379',
      REDIS_SENTINEL_MASTER: 'byot',
      REDIS_PASSWORD: 'p',
      REDIS_SENTINEL_PASSWORD: 'sp',
    });
    assert.deepEqual(cfg.REDIS_SENTINELS, [
      { host: 'sentinel-0', port: 26379 },
      { host: '::1', port: 26380 },
      { host: '10.0.0.3', port: 26379 },
    ]);
    assert.equal(cfg.REDIS_SENTINEL_MASTER, 'byot');
  });

  it('parses cluster nodes', () => {
    const cfg = parseEnv(schema, { REDIS_CLUSTER_NODES: 'a:7000,b:7001' });
    assert.deepEqual(cfg.REDIS_CLUSTER_NODES, [
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
    ]);
  });

  it('names every bad host:port', () => {
    const problems = problemsOf({ REDIS_CLUSTER_NODES: 'a:7000,b,c:99999,d:x' });
    assert.equal(problems.length, 3);
    assert.match(problems[0] as string, /^REDIS_CLUSTER_NODES: "b" is not host:port/);
    assert.match(problems[1] as string, /"c:99999"/);
    assert.match(problems[2] as string, /"d:x"/);
  });

  it('refuses sentinels and cluster together, and REDIS_URL beside either', () => {
    const problems = problemsOf({
      REDIS_SENTINELS: 'a:26379',
      REDIS_SENTINEL_MASTER: 'm',
      REDIS_CLUSTER_NODES: 'b:7000',
      REDIS_URL: 'redis://other:6379',
    });
    assert.ok(
      problems.some((p) =>
        /REDIS_CLUSTER_NODES: set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both/.test(p),
      ),
    );
    assert.ok(problems.some((p) => /REDIS_URL: not used with REDIS_SENTINELS/.test(p)));
  });

  it('wants the master name with sentinels, and sentinel settings only with sentinels', () => {
    assert.match(problemsOf({ REDIS_SENTINELS: 'a:26379' }).join('\n'), /REDIS_SENTINEL_MASTER: required/);
    assert.match(
      problemsOf({ REDIS_SENTINEL_MASTER: 'm' }).join('\n'),
      /only meaningful with REDIS_SENTINELS/,
    );
    assert.match(
      problemsOf({ REDIS_SENTINEL_PASSWORD: 'secret-value' }).join('\n'),
      /REDIS_SENTINEL_PASSWORD: only meaningful/,
    );
  });

  it('checks the CA file and that TLS is on for it', () => {
    assert.match(
      problemsOf({ REDIS_TLS: 'true', REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' }).join('\n'),
      /readable PEM/,
    );
    const ca = join(tmpdir(), `byot-ca-${process.pid}.pem`);
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    assert.match(problemsOf({ REDIS_TLS_CA_FILE: ca }).join('\n'), /REDIS_TLS_CA_FILE: TLS is off/);
    assert.equal(parseEnv(schema, { REDIS_TLS: 'true', REDIS_TLS_CA_FILE: ca }).REDIS_TLS_CA_FILE, ca);
    assert.equal(parseEnv(schema, { REDIS_URL: 'rediss://r:6380', REDIS_TLS_CA_FILE: ca }).REDIS_TLS, false);
  });

  it('refuses a key layout that cannot work on a Cluster, and never echoes a password', () => {
    const problems = problemsOf({
      REDIS_CLUSTER_NODES: 'a:7000',
      REDIS_KEY_LAYOUT: 'single',
      REDIS_PASSWORD: 'hunter2-secret',
      REDIS_SENTINEL_PASSWORD: 'hunter3-secret',
    });
    assert.match(problems.join('\n'), /REDIS_KEY_LAYOUT: single on a Cluster/);
    assert.ok(!problems.join('\n').includes('hunter'));
    assert.match(
      problemsOf({ REDIS_CLUSTER_HASH_TAG: 'true', REDIS_KEY_LAYOUT: 'cluster' }).join('\n'),
      /REDIS_CLUSTER_HASH_TAG: one tag for every key contradicts/,
    );
  });

  it('keeps one Redis by default', () => {
    const cfg = parseEnv(schema, {});
    assert.equal(cfg.REDIS_URL, 'redis://127.0.0.1:6379');
    assert.equal(cfg.REDIS_SENTINELS, undefined);
    assert.equal(cfg.REDIS_KEY_LAYOUT, undefined);
    assert.equal(cfg.REDIS_TLS, false);
  });
});
