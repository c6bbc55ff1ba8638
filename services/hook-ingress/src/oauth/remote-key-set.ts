import type { Logger } from '@byot/observability';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey, errors as joseErrors } from 'jose';
import { JwksError, parsePublicJwks } from './public-jwks.ts';

/** https only, except on loopback (tests, the sandbox): keys fetched in clear text could be anyone's. */
export function isTrustedKeyUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface RemoteKeySetOptions {
  /** The authorization server, e.g. https://acme.okta.com/oauth2/default. */
  issuer: string;
  /** Its JWKS; otherwise read from its metadata (oauth-authorization-server, then openid-configuration). */
  jwksUri?: string;
  log: Logger;
  /** Per request at start and in the background. */
  fetchTimeoutMs?: number;
  /** The most a hook ever waits for a refresh caused by its token's unknown `kid` (the refresh itself goes on). */
  hookWaitMs?: number;
  /** At most one refresh caused by unknown `kid`s per cooldown: a flood of made-up kids costs one fetch. */
  cooldownMs?: number;
  /** Background refresh, so rotated keys are known before a token needs them. */
  refreshIntervalMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export class KeysUnavailable extends Error {
  constructor() {
    super('the issuer keys have not been fetched yet');
    this.name = 'KeysUnavailable';
  }
}

/**
 * An external issuer's signing keys (Okta's custom authorization server), held in memory so a hook never waits
 * on the network in the common case. Fetched at start (readiness waits for the first set), refreshed in the
 * background, and on a token whose `kid` is unknown — a rotation — at most once per cooldown, the hook waiting
 * no longer than `hookWaitMs`. When the issuer cannot be reached the keys already held keep serving; a refresh
 * replaces them only with a set that parsed, so a removed key stops verifying after the next good fetch.
 */
export class RemoteKeySet {
  readonly #options: Required<Omit<RemoteKeySetOptions, 'jwksUri'>> & { jwksUri?: string };
  #jwksUri: string | undefined;
  #keys: { getKey: ReturnType<typeof createLocalJWKSet>; kids: string[] } | undefined;
  #inFlight: Promise<void> | undefined;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #firstLoad: { promise: Promise<void>; resolve: () => void };

  constructor(options: RemoteKeySetOptions) {
    this.#options = {
      fetchTimeoutMs: 3_000,
      hookWaitMs: 500,
      cooldownMs: 30_000,
      refreshIntervalMs: 300_000,
      fetch: globalThis.fetch,
      now: Date.now,
      ...options,
    };
    this.#jwksUri = options.jwksUri;
    let resolve = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#firstLoad = { promise, resolve };
  }

  get issuer(): string {
    return this.#options.issuer;
  }

  /** Keys are held: tokens of this issuer can be verified. /readyz waits for this. */
  get ready(): boolean {
    return this.#keys !== undefined;
  }

  /** Resolves once the first key set is held (start() keeps retrying until then). */
  whenReady(): Promise<void> {
    return this.#firstLoad.promise;
  }

  /** First fetch now, then retries (1 s doubling to 30 s) until it succeeds, then the background refresh. */
  start(): void {
    let delay = 1_000;
    const attempt = async () => {
      if (this.#stopped) return;
      await this.refresh('start');
      if (this.#stopped) return;
      if (this.ready) {
        this.#timer = setInterval(() => void this.refresh('interval'), this.#options.refreshIntervalMs);
      } else {
        this.#timer = setTimeout(attempt, delay);
        delay = Math.min(delay * 2, 30_000);
      }
      this.#timer.unref();
    };
    void attempt();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
  }

  /** jose's key lookup: the held set; an unknown kid may trigger one bounded refresh. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const held = this.#keys;
    if (!held) throw new KeysUnavailable();
    try {
      return await held.getKey(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      if (this.#options.now() - this.#lastAttemptAt < this.#options.cooldownMs) throw error;
      const refreshed = this.refresh('unknown-kid');
      const waited = await Promise.race([
        refreshed.then(() => true),
        new Promise<false>((resolve) => setTimeout(resolve, this.#options.hookWaitMs, false).unref()),
      ]);
      if (!waited || this.#keys === held || !this.#keys) throw error;
      return this.#keys.getKey(header, token);
    }
  };

  /** One fetch at a time; failures are logged and leave the held keys in place. */
  refresh(cause: 'start' | 'interval' | 'unknown-kid'): Promise<void> {
    this.#inFlight ??= this.#load(cause).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #load(cause: string): Promise<void> {
    this.#lastAttemptAt = this.#options.now();
    const { log, issuer } = this.#options;
    try {
      this.#jwksUri ??= await this.#discoverJwksUri();
      const set = parsePublicJwks(await this.#getJson(this.#jwksUri));
      const before = this.#keys?.kids ?? [];
      const kids = set.keys.map((k) => k.kid ?? '(no kid)');
      this.#keys = { getKey: createLocalJWKSet(set as JSONWebKeySet), kids };
      const added = kids.filter((k) => !before.includes(k));
      const removed = before.filter((k) => !kids.includes(k));
      if (added.length > 0 || removed.length > 0) {
        log.info({ issuer, cause, kids, added, removed }, 'issuer signing keys loaded');
      }
      this.#firstLoad.resolve();
    } catch (error) {
      log.warn(
        { issuer, cause, reason: error instanceof Error ? error.message : 'unknown', keysHeld: this.ready },
        this.ready
          ? 'could not refresh the issuer signing keys; the keys held keep serving'
          : 'could not fetch the issuer signing keys; bearer tokens of this issuer are refused until they are',
      );
    }
  }

  async #discoverJwksUri(): Promise<string> {
    const { issuer } = this.#options;
    let lastError: unknown;
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      try {
        const metadata = (await this.#getJson(`${issuer}${path}`)) as {
          issuer?: unknown;
          jwks_uri?: unknown;
        };
        // RFC 8414 §3.3: metadata naming another issuer is not this issuer's.
        if (metadata.issuer !== issuer) throw new Error(`${path} names another issuer`);
        if (typeof metadata.jwks_uri !== 'string' || !isTrustedKeyUrl(metadata.jwks_uri)) {
          throw new Error(`${path} has no https jwks_uri`);
        }
        return metadata.jwks_uri;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof Error ? lastError : new Error('no metadata');
  }

  async #getJson(url: string): Promise<unknown> {
    const response = await this.#options.fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.#options.fetchTimeoutMs),
    });
    if (!response.ok) throw new Error(`${new URL(url).pathname}: HTTP ${response.status}`);
    try {
      return await response.json();
    } catch {
      throw new JwksError(`${new URL(url).pathname}: not JSON`);
    }
  }
}
