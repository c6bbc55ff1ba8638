import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Simulator } from './app.ts';
import type { Logger } from './lib/logger.ts';
import { PROVIDER_NAMES, type ProviderName } from './providers.ts';

export interface ListenOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host: string;
  /**
   * Dedicated listeners: each provider named here is ALSO served on its own port (0 picks a free one), which
   * `down` closes (connection refused) and reopens on the same port when cleared.
   */
  providerPorts?: Partial<Record<ProviderName, number>>;
  /** How long close() lets in-flight requests finish before cutting their connections. Default 2000 ms. */
  closeGraceMs?: number;
}

export interface RunningSimulator {
  server: Server;
  /** Base URL, e.g. http://127.0.0.1:4010: the replacement for https://api.twilio.com, rest/api.nexmo.com, api.sendgrid.com. */
  url: string;
  /** Base URLs of the dedicated listeners, e.g. { vonage: 'http://127.0.0.1:4012' }. */
  providerUrls: Partial<Record<ProviderName, string>>;
  /** Stops accepting connections, drops held requests, waits for the rest. Safe to call twice. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function baseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** How often, and how long apart, a provider listener retries binding its port after `down` is cleared. */
const REOPEN_ATTEMPTS = 20;
const REOPEN_DELAY_MS = 100;

/**
 * A provider's own port. Open and shut are serialised, so that a drill toggling `down` quickly always ends in
 * the state it asked for last. Shutting destroys every socket (in-flight requests included): to the client
 * the provider vanished.
 */
class ProviderListener {
  readonly provider: ProviderName;
  readonly #app: RequestListener;
  readonly #host: string;
  readonly #logger: Logger;
  #port: number;
  #server: Server | null = null;
  #chain: Promise<void> = Promise.resolve();

  constructor(provider: ProviderName, app: RequestListener, host: string, port: number, logger: Logger) {
    this.provider = provider;
    this.#app = app;
    this.#host = host;
    this.#port = port;
    this.#logger = logger;
  }

  get url(): string {
    return baseUrl(this.#host, this.#port);
  }

  /** Binds the port the first time (0 resolves to a free port, kept for every reopening). Rejects on failure. */
  async start(): Promise<void> {
    const server = createServer(this.#app);
    this.#port = await listen(server, this.#port, this.#host);
    this.#server = server;
  }

  /** Queues the open or shut that `down` asks for; resolves when it is done. `quiet`: no log line (start-up). */
  apply(down: boolean, quiet = false): Promise<void> {
    this.#chain = this.#chain.then(() => (down ? this.#shut(quiet) : this.#open()));
    return this.#chain;
  }

  /** Shuts for good (simulator closing). */
  close(): Promise<void> {
    return this.apply(true, true);
  }

  async #open(): Promise<void> {
    if (this.#server !== null) return;
    for (let attempt = 1; attempt <= REOPEN_ATTEMPTS; attempt += 1) {
      const server = createServer(this.#app);
      try {
        await listen(server, this.#port, this.#host);
        this.#server = server;
        this.#logger.info('provider listener reopened', { provider: this.provider, url: this.url });
        return;
      } catch (error) {
        if (attempt === REOPEN_ATTEMPTS) {
          this.#logger.error('provider listener cannot reopen', {
            provider: this.provider,
            url: this.url,
            error: error instanceof Error ? error.message : String(error),
          });
          return;
        }
        await delay(REOPEN_DELAY_MS);
      }
    }
  }

  async #shut(quiet: boolean): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    if (!quiet) this.#logger.info('provider listener closed', { provider: this.provider, url: this.url });
  }
}

/** Serves a simulator over HTTP. Rejects if a port cannot be bound (e.g. EADDRINUSE). */
export async function listenSimulator(sim: Simulator, options: ListenOptions): Promise<RunningSimulator> {
  const server = createServer(sim.app);
  const port = await listen(server, options.port, options.host);

  const listeners: ProviderListener[] = [];
  try {
    for (const provider of PROVIDER_NAMES) {
      const providerPort = options.providerPorts?.[provider];
      if (providerPort === undefined) continue;
      const listener = new ProviderListener(
        provider,
        sim.providerApps[provider],
        options.host,
        providerPort,
        sim.logger,
      );
      await listener.start();
      listeners.push(listener);
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    server.close();
    throw error;
  }
  const unsubscribe = sim.faults.subscribe((provider) => {
    const listener = listeners.find((l) => l.provider === provider);
    return listener?.apply(sim.faults.isDown(provider));
  });
  // Start-up faults (SIM_FAULTS) may already say a provider is down (the start-up line reports the faults).
  await Promise.all(listeners.map((l) => l.apply(sim.faults.isDown(l.provider), true)));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      unsubscribe();
      sim.shutdown();
      const providersClosed = Promise.all(listeners.map((l) => l.close()));
      server.close(() => void providersClosed.then(() => resolve()));
      // Keep-alive connections with no request in flight would otherwise hold close() open.
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 2_000).unref();
    });
    return closing;
  };

  return {
    server,
    url: baseUrl(options.host, port),
    providerUrls: Object.fromEntries(listeners.map((l) => [l.provider, l.url])),
    close,
  };
}
