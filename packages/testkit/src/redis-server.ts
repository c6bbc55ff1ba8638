import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DETACHED, type ExitInfo, onProcessExit, signalProcessGroup } from './lifecycle.ts';
import { getFreePort } from './ports.ts';

export interface RedisServerOptions {
  /** Default: a free loopback port (retried if another process grabs it first). */
  port?: number;
  /** Turn on the append-only file (fsync everysec, as in production), so data survives kill + restart. */
  appendonly?: boolean;
  /** Data directory. Default: a fresh temp dir, removed by stop(). A dir you pass is never removed. */
  dir?: string;
  /** Path of the redis-server binary. Default: $REDIS_SERVER_BIN, else `redis-server` on PATH. */
  bin?: string;
  /** Extra `--name value` arguments, appended last so they win. */
  extraArgs?: string[];
  /** How long to wait for the first PONG. Default 10 s. */
  startTimeoutMs?: number;
  /**
   * A config file to load first (redis-server reads it before the command-line options). Sentinels need one: they
   * rewrite it with what they learn (replicas, other sentinels, the current master).
   */
  configFile?: string;
  /** Run as a sentinel (`redis-server <conf> --sentinel`: no redis-sentinel binary needed). Needs configFile. */
  sentinel?: boolean;
}

const HOST = '127.0.0.1';
const MAX_LOG_LINES = 200;
const PORT_ATTEMPTS = 5;
const NON_TERMINATING = new Set<NodeJS.Signals>(['SIGSTOP', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU']);

/**
 * A real redis-server child process on loopback, for tests and chaos drills (crash with kill('SIGKILL'),
 * come back with restart() on the same port and data dir, so AOF recovery is exercised for real).
 *
 * The child is unref'd while idle so a forgotten server never keeps the test process alive; it is killed
 * (and its temp dir removed) when the test process exits. Methods that wait on it hold a ref meanwhile.
 */
export class RedisServerProcess {
  readonly host = HOST;
  readonly port: number;
  readonly dir: string;
  readonly bin: string;
  readonly #args: string[];
  readonly #ownsDir: boolean;
  readonly #startTimeoutMs: number;
  #child: ChildProcess | undefined;
  #exit: Promise<ExitInfo> | undefined;
  #running = false;
  #log: string[] = [];
  #unregister: () => void = () => {};

  private constructor(port: number, dir: string, ownsDir: boolean, bin: string, options: RedisServerOptions) {
    this.port = port;
    this.dir = dir;
    this.bin = bin;
    this.#ownsDir = ownsDir;
    this.#startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.#args = [
      ...(options.configFile === undefined ? [] : [options.configFile]),
      ...(options.sentinel ? ['--sentinel'] : []),
      '--port',
      String(port),
      '--bind',
      HOST,
      '--dir',
      dir,
      // Tests want a throwaway server: no RDB snapshots unless a drill asks for AOF explicitly.
      '--save',
      '',
      '--appendonly',
      options.appendonly ? 'yes' : 'no',
      // BullMQ requires noeviction: an evicted job key is a silently lost job.
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
      // Log to stdout, which we keep in memory for error messages.
      '--logfile',
      '',
      ...(options.extraArgs ?? []),
    ];
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServerProcess> {
    const bin = options.bin ?? findRedisServerBinary();
    if (bin === undefined) throw new Error(redisServerNotFoundMessage());
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'byot-redis-'));
    const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const port = options.port ?? (await getFreePort(HOST));
      const server = new RedisServerProcess(port, dir, ownsDir, bin, options);
      try {
        await server.#spawn();
        return server;
      } catch (error) {
        lastError = error;
        // Between getFreePort() and redis' bind another process may have taken the port: try another.
        const portRace = server.#log.some((line) => line.includes('Address already in use'));
        await server.#shutdown('SIGKILL', 0);
        server.#unregister();
        if (!portRace) break;
      }
    }
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#running ? this.#child?.pid : undefined;
  }

  get running(): boolean {
    return this.#running;
  }

  /** The server's recent log lines (stdout and stderr), for assertions and error messages. */
  output(): string {
    return this.#log.join('\n');
  }

  /**
   * Sends a signal (default SIGKILL: a crash; only what redis already handed to the OS survives) and waits
   * for the exit. To freeze the server without killing it, use pause()/resume().
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    if (NON_TERMINATING.has(signal))
      throw new Error(`kill(${signal}) would never exit: use pause()/resume()`);
    const exit = this.#exit;
    const pid = this.#child?.pid;
    if (exit === undefined) return { code: null, signal: null };
    if (!this.#running || pid === undefined) return exit; // already dead: report how it ended
    this.#child?.ref();
    signalProcessGroup(pid, signal);
    signalProcessGroup(pid, 'SIGCONT'); // a paused server only acts on SIGTERM once continued
    return exit;
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing answers, like a hung or partitioned Redis. */
  pause(): void {
    const pid = this.pid;
    if (pid !== undefined) signalProcessGroup(pid, 'SIGSTOP');
  }

  /** Undoes pause(). */
  resume(): void {
    const pid = this.pid;
    if (pid !== undefined) signalProcessGroup(pid, 'SIGCONT');
  }

  /** Starts redis-server again on the same port and data dir (stopping it gracefully first if it still runs). */
  async restart(): Promise<void> {
    if (this.#running) await this.#shutdown('SIGTERM', 5_000);
    await this.#spawn();
  }

  /** Graceful shutdown (SIGTERM, SIGKILL after timeoutMs); removes the temp dir if we created it. Idempotent. */
  async stop(timeoutMs = 5_000): Promise<void> {
    await this.#shutdown('SIGTERM', timeoutMs);
    if (this.#ownsDir) rmSync(this.dir, { recursive: true, force: true });
    this.#unregister();
  }

  async #shutdown(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const pid = this.#child?.pid;
    if (this.#running && pid !== undefined) {
      this.#child?.ref();
      signalProcessGroup(pid, signal);
      // A paused (SIGSTOPped) server would sit on SIGTERM forever.
      signalProcessGroup(pid, 'SIGCONT');
      const timer = setTimeout(() => signalProcessGroup(pid, 'SIGKILL'), timeoutMs);
      try {
        await this.#exit;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  async #spawn(): Promise<void> {
    const child = spawn(this.bin, this.#args, {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: DETACHED,
    });
    this.#child = child;
    this.#running = true;
    this.#exit = new Promise<ExitInfo>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        this.#running = false;
        resolve({ code, signal });
      };
      child.once('exit', done);
      // A spawn failure (ENOENT, EACCES) emits 'error' and may never emit 'exit'.
      child.once('error', (error) => {
        this.#append(String(error));
        done(null, null);
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => this.#append(chunk));
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    child.unref();
    this.#unregister();
    const ownsDir = this.#ownsDir;
    const dir = this.dir;
    this.#unregister = onProcessExit(() => {
      if (child.pid !== undefined && this.#running) signalProcessGroup(child.pid, 'SIGKILL');
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    });
    await this.#waitUntilReady();
  }

  async #waitUntilReady(): Promise<void> {
    const deadline = Date.now() + this.#startTimeoutMs;
    // Ref'd sleeps keep the event loop alive while we wait on the unref'd child.
    while (Date.now() < deadline) {
      if (!this.#running) {
        throw new Error(`redis-server exited before answering PING on ${this.url}.\n${this.output()}`);
      }
      // After an AOF restart redis answers -LOADING until the file is replayed: only PONG means ready.
      // A server with a password answers NOAUTH: it is up, only not ours to talk to without AUTH.
      const reply = await pingRedis(this.host, this.port, 500);
      if (reply === 'PONG' || reply?.startsWith('NOAUTH')) return;
      await delay(20);
    }
    throw new Error(
      `redis-server did not answer PING on ${this.url} within ${this.#startTimeoutMs} ms.\n${this.output()}`,
    );
  }

  #append(chunk: string): void {
    for (const line of chunk.split(/\r?\n/)) if (line !== '') this.#log.push(line);
    if (this.#log.length > MAX_LOG_LINES) this.#log.splice(0, this.#log.length - MAX_LOG_LINES);
  }
}

/**
 * One raw PING over RESP (no client library, no reconnect loop): resolves with the reply's first line
 * without its type byte ("PONG", "LOADING Redis is loading…"), or undefined if nothing answered in time.
 */
export function pingRedis(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const finish = (value: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      const end = reply.indexOf('\r\n');
      if (end >= 0) finish(reply.slice(1, end));
    });
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(undefined));
  });
}

const WELL_KNOWN_PATHS = [
  '/usr/bin/redis-server',
  '/usr/local/bin/redis-server',
  '/usr/sbin/redis-server',
  '/opt/homebrew/bin/redis-server',
];

/** $REDIS_SERVER_BIN, else `redis-server` on PATH, else a few well-known install locations. */
export function findRedisServerBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env.REDIS_SERVER_BIN;
  if (override) return isExecutable(override) ? override : undefined;
  const fromPath = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'redis-server'));
  return [...fromPath, ...WELL_KNOWN_PATHS].find(isExecutable);
}

export function redisServerNotFoundMessage(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.REDIS_SERVER_BIN;
  return override
    ? `REDIS_SERVER_BIN=${override} is not an executable file.`
    : `no redis-server binary found on PATH or in ${WELL_KNOWN_PATHS.join(', ')}.`;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
