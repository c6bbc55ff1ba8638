/** Keys, assertions, a log sink and a stand-in external issuer for the OAuth tests. */
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@byot/observability';
import { exportJWK, type JWK, SignJWT } from 'jose';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privatePem: string;
  publicJwk: JWK;
}

export async function rsaKeyPair(modulusLength = 2048): Promise<KeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicJwk: await exportJWK(publicKey),
  };
}

export async function ecKeyPair(namedCurve = 'prime256v1'): Promise<KeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicJwk: await exportJWK(publicKey),
  };
}

/** Okta's answer to GET /api/v1/hook-keys/public/{keyId}: the JWK under `_embedded`, `alg: "RSA"`, `use: null`. */
export function oktaHookKeyResponse(publicJwk: JWK, keyId: string): unknown {
  return { _embedded: { kty: 'RSA', alg: 'RSA', kid: keyId, use: null, e: publicJwk.e, n: publicJwk.n } };
}

/** A private_key_jwt client assertion as Okta would sign it with its hook key. */
export async function clientAssertion(options: {
  key: KeyObject;
  clientId: string;
  audience: string;
  kid?: string;
  alg?: string;
  expiresInSeconds?: number;
  issuedAt?: number;
  jti?: string;
  issuer?: string;
  subject?: string;
}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const iat = options.issuedAt ?? now;
  return new SignJWT({})
    .setProtectedHeader({ alg: options.alg ?? 'RS256', ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuer(options.issuer ?? options.clientId)
    .setSubject(options.subject ?? options.clientId)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresInSeconds ?? 60))
    .setJti(options.jti ?? randomUUID())
    .sign(options.key);
}

/** An unsigned JWT (`alg: none`), built by hand since no library will sign one. */
export function unsignedJwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

/** The classic confusion: HS256 "signed" with the issuer's public key as the HMAC secret. */
export async function hs256WithPublicKey(
  payload: Record<string, unknown>,
  publicKey: KeyObject,
  kid?: string,
) {
  const secret = new TextEncoder().encode(publicKey.export({ type: 'spki', format: 'pem' }) as string);
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', ...(kid ? { kid } : {}) }).sign(secret);
}

/** Flips one character of the signature: same header and claims, signature no longer theirs. */
export function tamperSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
  return `${header}.${payload}.${flipped}`;
}

/** Flips a claim without re-signing. */
export function tamperPayload(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url')}.${signature}`;
}

/** A logger whose lines the test can read (to prove what is, and is not, logged). */
export function capturedLogger(): {
  log: Logger;
  lines: () => Record<string, unknown>[];
  text: () => string;
} {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ service: 'test', level: 'debug', destination: sink });
  const text = () => chunks.join('');
  return {
    log,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/**
 * An external authorization server on loopback, as far as a resource server sees it: metadata and JWKS, keys
 * that can be rotated, and an off switch. Tokens are minted here with its keys.
 */
export class FakeIssuer {
  readonly keys = new Map<string, KeyPair>();
  requests: string[] = [];
  /** While true every request fails (the issuer is "briefly unreachable"). */
  down = false;
  /** Which metadata documents it serves. */
  metadata: { oauth: boolean; openid: boolean } = { oauth: true, openid: true };
  metadataIssuer: string | undefined;
  #server: Server | undefined;
  url = '';

  static async start(): Promise<FakeIssuer> {
    const issuer = new FakeIssuer();
    await issuer.#listen();
    return issuer;
  }

  get issuer(): string {
    return `${this.url}/oauth2/default`;
  }

  async addKey(kid: string = randomUUID()): Promise<string> {
    this.keys.set(kid, await rsaKeyPair());
    return kid;
  }

  removeKey(kid: string): void {
    this.keys.delete(kid);
  }

  async token(
    kid: string,
    claims: Record<string, unknown> = {},
    options: { expiresInSeconds?: number; issuedAt?: number; notBefore?: number; audience?: string } = {},
  ): Promise<string> {
    const pair = this.keys.get(kid);
    if (!pair) throw new Error(`no key ${kid}`);
    const now = Math.floor(Date.now() / 1000);
    const iat = options.issuedAt ?? now;
    // Overrides last, so a test can set any claim (a wrong iss included).
    const jwt = new SignJWT({
      iss: this.issuer,
      aud: options.audience ?? 'api://default',
      sub: '0oaHookClient',
      iat,
      exp: iat + (options.expiresInSeconds ?? 3600),
      jti: randomUUID(),
      scp: ['byot.hook'],
      cid: '0oaHookClient',
      ...(options.notBefore === undefined ? {} : { nbf: options.notBefore }),
      ...claims,
    }).setProtectedHeader({ alg: 'RS256', kid });
    return jwt.sign(pair.privateKey);
  }

  async #listen(): Promise<void> {
    this.#server = createServer((req, res) => {
      const path = req.url ?? '/';
      this.requests.push(path);
      if (this.down) {
        res.socket?.destroy();
        return;
      }
      const json = (value: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      };
      const meta = { issuer: this.metadataIssuer ?? this.issuer, jwks_uri: `${this.issuer}/v1/keys` };
      if (path === '/oauth2/default/.well-known/oauth-authorization-server' && this.metadata.oauth)
        return json(meta);
      if (path === '/oauth2/default/.well-known/openid-configuration' && this.metadata.openid)
        return json(meta);
      if (path === '/oauth2/default/v1/keys') {
        return json({
          keys: [...this.keys].map(([kid, pair]) => ({ ...pair.publicJwk, kid, alg: 'RS256', use: 'sig' })),
        });
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
    this.#server?.closeAllConnections();
  }
}
