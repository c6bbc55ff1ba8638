/**
 * OAuth 2.0 as Okta plays it against byot, for tests, drills, benchmarks and the preview tool: Okta's side of the
 * token request (client_secret_post, client_secret_basic, or a private_key_jwt assertion signed with a hook key),
 * and a stand-in external authorization server (an "Okta custom authorization server") on loopback.
 */
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, type JWK, SignJWT } from 'jose';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privatePem: string;
  publicJwk: JWK;
}

export async function rsaKeyPair(modulusLength = 2048): Promise<KeyPair> {
  return keyPair(generateKeyPairSync('rsa', { modulusLength }));
}

export async function ecKeyPair(namedCurve = 'prime256v1'): Promise<KeyPair> {
  return keyPair(generateKeyPairSync('ec', { namedCurve }));
}

async function keyPair({
  privateKey,
  publicKey,
}: {
  privateKey: KeyObject;
  publicKey: KeyObject;
}): Promise<KeyPair> {
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

/** A private_key_jwt client assertion (RFC 7523) as Okta signs it with its hook key. */
export async function clientAssertion(options: {
  key: KeyObject;
  clientId: string;
  /** The token endpoint (or the issuer). */
  audience: string;
  kid?: string;
  alg?: string;
  expiresInSeconds?: number;
  issuedAt?: number;
  jti?: string;
  issuer?: string;
  subject?: string;
}): Promise<string> {
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
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

export type OktaTokenRequest =
  | {
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      method?: 'client_secret_post' | 'client_secret_basic';
      scope?: string;
    }
  | { tokenUrl: string; clientId: string; hookKey: KeyObject; kid?: string; scope?: string };

export interface TokenAnswer {
  status: number;
  /** Milliseconds from sending to the complete answer. */
  ms: number;
  body: {
    access_token?: string;
    token_type?: string;
    expires_in?: number;
    scope?: string;
    error?: string;
    error_description?: string;
  };
  cacheControl: string | null;
}

/**
 * Okta's token request (client credentials), as its hook channel sends it: a form POST with client_secret_post (its
 * "Client Secret" mode), client_secret_basic, or a private_key_jwt assertion signed with the hook key.
 */
export async function requestToken(request: OktaTokenRequest, timeoutMs = 3_000): Promise<TokenAnswer> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (request.scope) form.set('scope', request.scope);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if ('hookKey' in request) {
    form.set('client_assertion_type', JWT_BEARER_ASSERTION_TYPE);
    form.set(
      'client_assertion',
      await clientAssertion({
        key: request.hookKey,
        clientId: request.clientId,
        audience: request.tokenUrl,
        ...(request.kid ? { kid: request.kid } : {}),
      }),
    );
  } else if (request.method === 'client_secret_basic') {
    const pair = `${encodeURIComponent(request.clientId)}:${encodeURIComponent(request.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    form.set('client_id', request.clientId);
    form.set('client_secret', request.clientSecret);
  }
  const started = performance.now();
  const response = await fetch(request.tokenUrl, {
    method: 'POST',
    headers,
    body: form.toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: TokenAnswer['body'] = {};
  try {
    body = JSON.parse(text) as TokenAnswer['body'];
  } catch {
    // not JSON: keep the status
  }
  return {
    status: response.status,
    ms: performance.now() - started,
    body,
    cacheControl: response.headers.get('cache-control'),
  };
}

/**
 * An external authorization server on loopback, as far as a resource server sees one: RFC 8414 / OIDC metadata,
 * a JWKS whose keys can be rotated, an off switch; access tokens minted with its keys, Okta-style (`scp`, `cid`).
 */
export class FakeIssuer {
  readonly keys = new Map<string, KeyPair>();
  /** Paths requested, in order (to count fetches). */
  requests: string[] = [];
  /** While true every connection is dropped (the issuer is "briefly unreachable"). */
  down = false;
  metadata: { oauth: boolean; openid: boolean } = { oauth: true, openid: true };
  /** The `issuer` its metadata claims (default: its own). */
  metadataIssuer: string | undefined;
  url = '';
  #server: Server | undefined;

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

  /** An access token: iss/aud/sub/iat/exp/jti, `scp: ["byot.hook"]`, `cid`; `claims` override any of them. */
  async token(
    kid: string,
    claims: Record<string, unknown> = {},
    options: { expiresInSeconds?: number; issuedAt?: number; notBefore?: number; audience?: string } = {},
  ): Promise<string> {
    const pair = this.keys.get(kid);
    if (!pair) throw new Error(`no key ${kid}`);
    const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
    return new SignJWT({
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
    })
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(pair.privateKey);
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
    if (!this.#server) return;
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
    this.#server.closeAllConnections();
  }
}
