import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisServerProcess } from './redis-server.ts';

/**
 * Real Redis topologies for tests and drills, from the redis-server binary alone on free loopback ports:
 * one master + one replica watched by three sentinels (`redis-server <conf> --sentinel`), and a Cluster of three
 * masters with one replica each. Each hands out the environment byot's services read (REDIS_SENTINELS…,
 * REDIS_CLUSTER_NODES) and the levers a drill pulls (kill the master, wait for the promotion).
 */

const HOST = '127.0.0.1';

/** One admin command on one node, on a throwaway connection (no retries: a dead node answers undefined). */
async function ask<T>(
  port: number,
  run: (redis: Redis) => Promise<T>,
  password?: string,
  timeoutMs = 1_000,
): Promise<T | undefined> {
  const redis = new Redis({
    host: HOST,
    port,
    ...(password === undefined ? {} : { password }),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await run(redis);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await delay(50);
  }
  throw new Error(`redis topology: ${what} not reached within ${timeoutMs} ms`);
}

const infoField = (info: string | undefined, field: string): string | undefined =>
  info === undefined ? undefined : new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();

export interface SentinelTopologyOptions {
  /** The master's name at the sentinels (REDIS_SENTINEL_MASTER). Default `byot`. */
  masterName?: string;
  /** How long the sentinels wait before they call a silent master down. Default 1000 ms. */
  downAfterMs?: number;
  /**
   * Sentinel's failover-timeout. Besides bounding a failover, it paces a retry: when the sentinels' election splits
   * (several vote for themselves at once) the next attempt waits 2 × this. Default 1000 ms (loopback).
   */
  failoverTimeoutMs?: number;
  /** Extra redis-server arguments of both data nodes. */
  extraArgs?: string[];
  /** requirepass (and masterauth) of the data nodes; the sentinels get it as auth-pass. */
  password?: string;
  /** requirepass of the sentinels themselves. */
  sentinelPassword?: string;
}

/** A master, its replica and three sentinels (quorum 2), as an operator runs Sentinel. */
export class SentinelTopology {
  readonly masterName: string;
  /** Both data nodes; which one is the master changes with each failover (masterNode()). */
  readonly nodes: RedisServerProcess[];
  readonly sentinels: RedisServerProcess[];
  readonly #dirs: string[];
  readonly #password: string | undefined;
  readonly #sentinelPassword: string | undefined;

  private constructor(
    masterName: string,
    nodes: RedisServerProcess[],
    sentinels: RedisServerProcess[],
    dirs: string[],
    options: SentinelTopologyOptions,
  ) {
    this.masterName = masterName;
    this.nodes = nodes;
    this.sentinels = sentinels;
    this.#dirs = dirs;
    this.#password = options.password;
    this.#sentinelPassword = options.sentinelPassword;
  }

  static async start(options: SentinelTopologyOptions = {}): Promise<SentinelTopology> {
    const masterName = options.masterName ?? 'byot';
    const password = options.password;
    const extraArgs = [
      ...(password === undefined ? [] : ['--requirepass', password, '--masterauth', password]),
      ...(options.extraArgs ?? []),
    ];
    const started: RedisServerProcess[] = [];
    const dirs: string[] = [];
    try {
      const master = await RedisServerProcess.start({ extraArgs });
      started.push(master);
      const replica = await RedisServerProcess.start({
        extraArgs: [...extraArgs, '--replicaof', HOST, String(master.port)],
      });
      started.push(replica);
      await until('replica in sync', 10_000, async () => {
        const info = await ask(replica.port, (r) => r.info('replication'), password);
        return infoField(info, 'master_link_status') === 'up';
      });
      const sentinels: RedisServerProcess[] = [];
      for (let i = 0; i < 3; i++) {
        const dir = mkdtempSync(join(tmpdir(), 'byot-sentinel-'));
        dirs.push(dir);
        const configFile = join(dir, 'sentinel.conf');
        writeFileSync(
          configFile,
          [
            `sentinel monitor ${masterName} ${HOST} ${master.port} 2`,
            `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1_000}`,
            `sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs ?? 1_000}`,
            `sentinel parallel-syncs ${masterName} 1`,
            ...(password === undefined ? [] : [`sentinel auth-pass ${masterName} ${password}`]),
            // The sentinels' own password, which they also need to talk to each other (votes, hellos).
            ...(options.sentinelPassword === undefined
              ? []
              : [
                  `requirepass ${options.sentinelPassword}`,
                  `sentinel sentinel-pass ${options.sentinelPassword}`,
                ]),
            '',
          ].join('\n'),
        );
        const sentinel = await RedisServerProcess.start({ configFile, sentinel: true, dir });
        started.push(sentinel);
        sentinels.push(sentinel);
      }
      const topology = new SentinelTopology(masterName, [master, replica], sentinels, dirs, options);
      // A failover needs the sentinels to know each other (hello messages, every 2 s) and the replica.
      await until('sentinels acquainted', 20_000, async () => {
        for (const s of sentinels) {
          const fields = await ask(
            s.port,
            (r) => r.call('SENTINEL', 'MASTER', masterName) as Promise<string[]>,
            options.sentinelPassword,
          );
          if (fields === undefined) return false;
          const value = (name: string) => fields[fields.indexOf(name) + 1];
          if (value('num-other-sentinels') !== '2' || value('num-slaves') !== '1') return false;
        }
        return true;
      });
      return topology;
    } catch (error) {
      await Promise.all(started.map((s) => s.stop()));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** What a byot service reads to use this topology. */
  env(): Record<string, string> {
    return {
      REDIS_SENTINELS: this.sentinels.map((s) => `${HOST}:${s.port}`).join(','),
      REDIS_SENTINEL_MASTER: this.masterName,
      ...(this.#password === undefined ? {} : { REDIS_PASSWORD: this.#password }),
      ...(this.#sentinelPassword === undefined ? {} : { REDIS_SENTINEL_PASSWORD: this.#sentinelPassword }),
    };
  }

  /** The master's port as the sentinels report it now (undefined while none answers). */
  async masterPort(): Promise<number | undefined> {
    for (const s of this.sentinels) {
      if (!s.running) continue;
      const addr = await ask(
        s.port,
        (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName) as Promise<string[]>,
        this.#sentinelPassword,
      );
      if (addr?.[1] !== undefined) return Number(addr[1]);
    }
    return undefined;
  }

  /** The data node the sentinels call master. */
  async masterNode(): Promise<RedisServerProcess> {
    const port = await this.masterPort();
    const node = this.nodes.find((n) => n.port === port);
    if (node === undefined) throw new Error(`no data node on the master port ${port}`);
    return node;
  }

  /**
   * Waits until a node other than `from` is master by the sentinels' word AND answers as one (ROLE master), i.e.
   * until clients that ask the sentinels can write again.
   */
  async waitForNewMaster(fromPort: number, timeoutMs = 30_000): Promise<RedisServerProcess> {
    let promoted: RedisServerProcess | undefined;
    await until('a promoted master', timeoutMs, async () => {
      const views = await Promise.all(
        this.sentinels
          .filter((s) => s.running)
          .map((s) =>
            ask(
              s.port,
              (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName) as Promise<string[]>,
              this.#sentinelPassword,
            ),
          ),
      );
      const ports = new Set(views.map((addr) => Number(addr?.[1])));
      const port = [...ports][0];
      if (ports.size !== 1 || port === undefined || Number.isNaN(port) || port === fromPort) return false;
      const role = await ask(port, (r) => r.call('ROLE') as Promise<unknown[]>, this.#password);
      promoted = this.nodes.find((n) => n.port === port);
      return role?.[0] === 'master' && promoted !== undefined;
    });
    return promoted as RedisServerProcess;
  }

  /** The sentinels' failover events (+sdown, +odown, +elected-leader, +switch-master, -failover-abort-…), for reports. */
  failoverEvents(): string[] {
    return this.sentinels.flatMap((s, i) =>
      s
        .output()
        .split('\n')
        .filter((line) =>
          /[+-](sdown|odown|try-failover|elected-leader|failover-abort|switch-master|failover-end)\b/.test(
            line,
          ),
        )
        .map((line) => `sentinel ${i + 1}: ${line.replace(/^\d+:X /, '')}`),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.nodes].map((s) => s.stop()));
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
  }
}

export interface ClusterTopologyOptions {
  /** Masters (each with one replica). Default 3. */
  masters?: number;
  /** cluster-node-timeout: how long before a silent master is failed over. Default 1000 ms. */
  nodeTimeoutMs?: number;
  extraArgs?: string[];
}

const SLOTS = 16_384;

/** A Redis Cluster of N masters with one replica each, slots split evenly, built with CLUSTER commands. */
export class ClusterTopology {
  readonly nodes: RedisServerProcess[];

  private constructor(nodes: RedisServerProcess[]) {
    this.nodes = nodes;
  }

  static async start(options: ClusterTopologyOptions = {}): Promise<ClusterTopology> {
    const masters = options.masters ?? 3;
    const args = [
      '--cluster-enabled',
      'yes',
      '--cluster-node-timeout',
      String(options.nodeTimeoutMs ?? 1_000),
      // Each shard fails over on its own; the others keep serving their slots meanwhile.
      '--cluster-require-full-coverage',
      'no',
      ...(options.extraArgs ?? []),
    ];
    const nodes: RedisServerProcess[] = [];
    try {
      for (let i = 0; i < masters * 2; i++) nodes.push(await RedisServerProcess.start({ extraArgs: args }));
      const ids = await Promise.all(
        nodes.map((n) => ask(n.port, (r) => r.call('CLUSTER', 'MYID') as Promise<string>)),
      );
      for (let i = 0; i < masters; i++) {
        const first = Math.floor((SLOTS * i) / masters);
        const last = Math.floor((SLOTS * (i + 1)) / masters) - 1;
        await ask(nodes[i]?.port as number, (r) => r.call('CLUSTER', 'ADDSLOTSRANGE', first, last));
      }
      const seed = nodes[0] as RedisServerProcess;
      for (const node of nodes.slice(1))
        await ask(node.port, (r) => r.call('CLUSTER', 'MEET', HOST, seed.port));
      await until('every node knows every other', 20_000, async () => {
        const views = await Promise.all(
          nodes.map((n) => ask(n.port, (r) => r.call('CLUSTER', 'NODES') as Promise<string>)),
        );
        return views.every((v) => v !== undefined && v.trim().split('\n').length === nodes.length);
      });
      for (let i = 0; i < masters; i++) {
        const replica = nodes[masters + i] as RedisServerProcess;
        await ask(replica.port, (r) => r.call('CLUSTER', 'REPLICATE', ids[i] as string));
      }
      const topology = new ClusterTopology(nodes);
      await topology.waitUntilHealthy(30_000);
      return topology;
    } catch (error) {
      await Promise.all(nodes.map((n) => n.stop()));
      throw error;
    }
  }

  /** What a byot service reads to use this cluster (every node listed: any one is enough to discover the rest). */
  env(): Record<string, string> {
    return { REDIS_CLUSTER_NODES: this.nodes.map((n) => `${HOST}:${n.port}`).join(',') };
  }

  /** The running nodes that are masters now, each with the slot ranges it serves. */
  async masters(): Promise<{ node: RedisServerProcess; id: string }[]> {
    const found: { node: RedisServerProcess; id: string }[] = [];
    for (const node of this.nodes) {
      if (!node.running) continue;
      const role = await ask(node.port, (r) => r.call('ROLE') as Promise<unknown[]>);
      const id = await ask(node.port, (r) => r.call('CLUSTER', 'MYID') as Promise<string>);
      if (role?.[0] === 'master' && id !== undefined) found.push({ node, id });
    }
    return found;
  }

  /** The running master that serves `key`'s slot now (CLUSTER KEYSLOT, then CLUSTER SLOTS). */
  async masterForKey(key: string): Promise<RedisServerProcess> {
    for (const node of this.nodes.filter((n) => n.running)) {
      const slot = await ask(node.port, (r) => r.call('CLUSTER', 'KEYSLOT', key) as Promise<number>);
      const ranges = await ask(
        node.port,
        (r) => r.call('CLUSTER', 'SLOTS') as Promise<[number, number, [string, number]][]>,
      );
      if (slot === undefined || ranges === undefined) continue;
      const port = Number(ranges.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1]);
      const master = this.nodes.find((n) => n.port === port && n.running);
      if (master !== undefined) return master;
    }
    throw new Error(`no running master serves ${key}`);
  }

  /** How many keys matching `pattern` each master holds now (SCAN on each): where the data went. */
  async keysPerMaster(pattern: string): Promise<number[]> {
    const counts: number[] = [];
    for (const { node } of await this.masters()) {
      let count = 0;
      let cursor = '0';
      do {
        const reply = await ask(node.port, (r) => r.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000));
        if (reply === undefined) break;
        cursor = reply[0];
        count += reply[1].length;
      } while (cursor !== '0');
      counts.push(count);
    }
    return counts;
  }

  /** Until every running node says cluster_state:ok and each master of a slot range has a live replica link. */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    await until('cluster state ok', timeoutMs, async () => {
      for (const node of this.nodes.filter((n) => n.running)) {
        const info = await ask(node.port, (r) => r.call('CLUSTER', 'INFO') as Promise<string>);
        if (infoField(info, 'cluster_state') !== 'ok') return false;
        const replication = await ask(node.port, (r) => r.info('replication'));
        if (
          infoField(replication, 'role') === 'slave' &&
          infoField(replication, 'master_link_status') !== 'up'
        )
          return false;
      }
      return true;
    });
  }

  /** Waits until `port`'s slots are served by another (promoted) node, by every running node's view. */
  async waitForPromotion(deadPort: number, timeoutMs = 30_000): Promise<void> {
    await until(`a replica promoted in place of :${deadPort}`, timeoutMs, async () => {
      for (const node of this.nodes.filter((n) => n.running)) {
        const slots = await ask(
          node.port,
          (r) => r.call('CLUSTER', 'SLOTS') as Promise<[number, number, [string, number]][]>,
        );
        if (slots === undefined || slots.length === 0) return false;
        if (slots.some((range) => Number(range[2]?.[1]) === deadPort)) return false;
        const info = await ask(node.port, (r) => r.call('CLUSTER', 'INFO') as Promise<string>);
        if (infoField(info, 'cluster_state') !== 'ok') return false;
      }
      return true;
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
