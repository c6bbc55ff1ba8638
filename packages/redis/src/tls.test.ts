import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getFreePort, RedisServerProcess } from '@byot/testkit';
import { closeRedis, createRedisConnection, waitUntilReady } from './connections.ts';
import { describeRedisTarget, redisTargetFromConfig } from './target.ts';

const openssl = (args: string[], cwd: string) => {
  const run = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
};
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/** A private CA and a server certificate for 127.0.0.1 signed by it, as an operator's internal PKI would issue. */
function makeCertificates(dir: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=byot test CA',
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    ],
    dir,
  );
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '1',
      '-extfile',
      'ext.cnf',
    ],
    dir,
  );
}

describe('TLS with a private CA (REDIS_TLS, REDIS_TLS_CA_FILE)', {
  skip: !hasOpenssl && 'no openssl',
}, () => {
  let dir: string;
  let server: RedisServerProcess;
  let tlsPort: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'byot-redis-tls-'));
    makeCertificates(dir);
    tlsPort = await getFreePort();
    server = await RedisServerProcess.start({
      extraArgs: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        join(dir, 'server.pem'),
        '--tls-key-file',
        join(dir, 'server.key'),
        '--tls-ca-cert-file',
        join(dir, 'ca.pem'),
        '--tls-auth-clients',
        'no',
        '--requirepass',
        'tls-s3cret',
      ],
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects over TLS trusting the CA file, with the password, and says so without the secret', async () => {
    const target = redisTargetFromConfig({
      REDIS_URL: `redis://127.0.0.1:${tlsPort}`,
      REDIS_TLS: true,
      REDIS_TLS_CA_FILE: join(dir, 'ca.pem'),
      REDIS_PASSWORD: 'tls-s3cret',
    });
    const redis = createRedisConnection({ target, role: 'producer', name: 'byot:test:tls' });
    redis.on('error', () => {});
    await waitUntilReady(redis);
    assert.equal(await redis.ping(), 'PONG');
    await closeRedis(redis);
    const described = describeRedisTarget(target);
    assert.equal(described.tls, true);
    assert.ok(!JSON.stringify(described).includes('tls-s3cret'));
  });

  it('refuses the server when its CA is not trusted (the CA file is what makes it work)', async () => {
    const target = redisTargetFromConfig({
      REDIS_URL: `rediss://127.0.0.1:${tlsPort}`,
      REDIS_PASSWORD: 'tls-s3cret',
    });
    const redis = createRedisConnection({ target, role: 'producer', name: 'byot:test:tls' });
    const errors: string[] = [];
    redis.on('error', (error: Error) => errors.push(error.message));
    await assert.rejects(waitUntilReady(redis, 1_500));
    assert.ok(
      errors.some((m) => /certificate/i.test(m)),
      errors.join('; '),
    );
    redis.disconnect();
  });
});
