/**
 * The Sentinel examples beside the single Redis (ADR 0017): docker-compose.sentinel.yml and the Kubernetes component
 * deploy/kubernetes/components/redis-sentinel. No Docker engine or cluster here, so: the files parse, what they give
 * byot's services is accepted by byot's own configuration schema, the names agree with each other, and the
 * sentinel configuration the compose file writes is started for real by the redis-server binary in sentinel mode.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseEnv, redisEnvSchema as redisSchema } from '@byot/config';
import { findRedisServerBinary, getFreePort, pingRedis, RedisServerProcess } from '@byot/testkit';
import { parse } from 'yaml';

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
type Any = any;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Compose files use YAML merge keys (`<<: *anchor`), as Docker Compose reads them.
const readYaml = (path: string): Any => parse(readFileSync(join(root, path), 'utf8'), { merge: true });
const BYOT_SERVICES = ['hook-ingress', 'sms-worker', 'voice-worker'];

describe('docker-compose.sentinel.yml', () => {
  const base = readYaml('docker-compose.yml');
  const sentinel = readYaml('docker-compose.sentinel.yml');
  const services: Record<string, Any> = sentinel.services;

  it('points every byot service at the sentinels, as byot’s schema accepts it', () => {
    for (const name of BYOT_SERVICES) {
      const env: Record<string, string> = services[name]?.environment;
      assert.ok(env, `${name} has no environment`);
      // The base file's REDIS_URL is emptied (unset), which the base's `environment` would otherwise set.
      assert.equal(env.REDIS_URL, '', name);
      const parsed = parseEnv(redisSchema, { REDIS_URL: base.services[name].environment.REDIS_URL, ...env });
      assert.equal(parsed.REDIS_SENTINELS?.length, 3, name);
      for (const node of parsed.REDIS_SENTINELS ?? []) {
        assert.ok(services[node.host], `${name}: ${node.host} is not a service of the file`);
        assert.deepEqual(services[node.host].profiles, ['sentinel']);
        assert.equal(node.port, 26379);
      }
    }
  });

  it('runs the base file’s Redis image, and the replica follows the base `redis`', () => {
    const image = base.services.redis.image;
    for (const name of ['redis-replica', 'redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3'])
      assert.equal(services[name].image, image, name);
    const command: string[] = services['redis-replica'].command;
    assert.deepEqual(command.slice(0, 4), ['redis-server', '--replicaof', 'redis', '6379']);
    assert.ok(command.includes('noeviction'));
    assert.ok(services.redis.command.includes('noeviction'));
  });

  it('the sentinel configuration it writes monitors the master byot names, and redis-server runs it', {
    skip: findRedisServerBinary() === undefined && 'no redis-server binary',
  }, async () => {
    const script: string = services['redis-sentinel-1'].entrypoint[2];
    const conf = /<<CONF\n([\s\S]*?)\nCONF/.exec(script)?.[1];
    assert.ok(conf, 'no sentinel.conf heredoc');
    const master = services['hook-ingress'].environment.REDIS_SENTINEL_MASTER;
    assert.match(conf, new RegExp(`^sentinel monitor ${master} redis 6379 2$`, 'm'));
    // As the container would see it, with loopback names for the compose network's.
    const data = await RedisServerProcess.start();
    const dir = mkdtempSync(join(tmpdir(), 'byot-sentinel-conf-'));
    try {
      const port = await getFreePort();
      const file = join(dir, 'sentinel.conf');
      writeFileSync(
        file,
        `${conf
          .replace('$SENTINEL_HOSTNAME', 'localhost')
          .replace(/^port 26379$/m, `port ${port}`)
          .replace(/ redis 6379 /, ` localhost ${data.port} `)}\n`,
      );
      const sentinelProcess = await RedisServerProcess.start({ configFile: file, sentinel: true, dir, port });
      try {
        assert.equal(await pingRedis('127.0.0.1', port, 1_000), 'PONG');
        const run = spawnSync(
          'redis-cli',
          ['-p', String(port), 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', master],
          {
            encoding: 'utf8',
          },
        );
        if (run.status === 0) assert.match(run.stdout, new RegExp(String(data.port)));
      } finally {
        await sentinelProcess.stop();
      }
    } finally {
      await data.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kubernetes component redis-sentinel', () => {
  const kustomization = readYaml('deploy/kubernetes/components/redis-sentinel/kustomization.yaml');
  const values = readYaml('deploy/kubernetes/components/redis-sentinel/bitnami-redis-values.yaml');

  it('is a Component merging into byot-config what byot’s schema accepts', () => {
    assert.equal(kustomization.kind, 'Component');
    const generator = kustomization.configMapGenerator.find((g: Any) => g.name === 'byot-config');
    assert.equal(generator.behavior, 'merge');
    const env = Object.fromEntries(
      (generator.literals as string[]).map((line) => [
        line.slice(0, line.indexOf('=')),
        line.slice(line.indexOf('=') + 1),
      ]),
    );
    const parsed = parseEnv(redisSchema, env);
    assert.equal(parsed.REDIS_SENTINELS?.length, 3);
    assert.ok(
      parsed.REDIS_SENTINELS?.every((n) => n.port === 26379 && n.host.startsWith('byot-redis-node-')),
    );
    assert.equal(parsed.REDIS_SENTINEL_MASTER, values.sentinel.masterSet);
  });

  it('the chart values run Sentinel with a quorum, replicas and noeviction', () => {
    assert.equal(values.architecture, 'replication');
    assert.equal(values.sentinel.enabled, true);
    assert.ok(values.sentinel.quorum >= 2 && values.replica.replicaCount > values.sentinel.quorum);
    assert.match(values.replica.configuration, /^maxmemory-policy noeviction$/m);
  });
});
