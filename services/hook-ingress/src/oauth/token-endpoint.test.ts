/** byot's token endpoint against a real Redis (jti memory, failure throttling), driven over HTTP. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createRedisConnection } from '@byot/redis';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import express from 'express';
import type { Redis } from 'ioredis';
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, jwtVerify } from 'jose';
import request from 'supertest';
import {
  capturedLogger,
  clientAssertion,
  ecKeyPair,
  hs256WithPublicKey,
  type KeyPair,
  oktaHookKeyResponse,
  rsaKeyPair,
  tamperSignature,
  unsignedJwt,
} from '../../test/support/oauth-fixtures.ts';
import { FailureThrottle } from '../auth/failure-throttle.ts';
import { AccessTokenVerifier } from './access-token-verifier.ts';
import {
  type AuthorizationServer,
  authorizationServer,
  StaticAuthorizationServers,
  secretDigest,
  TELEPHONY_HOOK_SCOPE,
} from './authorization-server.ts';
import { JWT_BEARER_ASSERTION } from './client-authentication.ts';
import { trustedIssuerOf } from './from-config.ts';
import { parsePublicJwks } from './public-jwks.ts';
import { RedisReplayGuard } from './replay-guard.ts';
import { loadSigningKeys, parseSigningKeyConfig } from './signing-keys.ts';
import { tokenEndpointRouter } from './token-endpoint.ts';

const BASE = 'https://byot.example.com';
const TOKEN_URL = `${BASE}/oauth2/default/v1/token`;
const CLIENT_ID = '0oaOktaHookClient';
const SECRET = 'kT3x-very-long-client-secret:with/odd+chars&=%';
const SECRET_FAILURES = 4;
const CLIENT_FAILURES = 14;

describe('byot token endpoint (POST /oauth2/{tenant}/v1/token)', () => {
  let redis: Redis;
  let server: AuthorizationServer;
  let hookKey: KeyPair;
  let esKey: KeyPair;
  let app: express.Express;
  let captured: ReturnType<typeof capturedLogger>;
  let prefix: string;

  before(async () => {
    redis = createRedisConnection({
      url: (await sharedTestRedis()).url,
      role: 'producer',
      name: 'test:oauth',
    });
    hookKey = await rsaKeyPair();
    esKey = await ecKeyPair();
    const signing = await rsaKeyPair();
    server = authorizationServer({
      tenantId: 'default',
      publicBaseUrl: BASE,
      audience: `${BASE}/v1/okta/telephony`,
      tokenTtlSeconds: 3600,
      signingKeys: await loadSigningKeys(parseSigningKeyConfig(signing.privatePem)),
      clients: [
        {
          clientId: CLIENT_ID,
          secretDigest: secretDigest(SECRET),
          jwks: {
            keys: [
              ...parsePublicJwks(oktaHookKeyResponse(hookKey.publicJwk, 'hook-key-1')).keys,
              { ...(await exportJWK(esKey.publicKey)), kid: 'es-1' },
            ],
          },
          scopes: [TELEPHONY_HOOK_SCOPE],
        },
        {
          clientId: 'keys-only',
          jwks: { keys: [{ ...hookKey.publicJwk, kid: 'k' }] },
          scopes: [TELEPHONY_HOOK_SCOPE],
        },
      ],
    });
  });
  beforeEach(() => {
    prefix = uniquePrefix('oauth');
    captured = capturedLogger();
    app = express();
    app.set('trust proxy', true); // lets a test speak from many addresses (X-Forwarded-For)
    app.use(
      tokenEndpointRouter({
        servers: new StaticAuthorizationServers([server]),
        replay: new RedisReplayGuard(redis, prefix),
        throttle: new FailureThrottle({
          redis,
          keyPrefix: `${prefix}:throttle`,
          perSource: { failures: SECRET_FAILURES, windowSeconds: 60, blockSeconds: 60 },
          perClient: { failures: CLIENT_FAILURES, windowSeconds: 60, blockSeconds: 60 },
        }),
        log: captured.log,
      }),
    );
  });
  after(() => {
    redis.disconnect();
  });

  let ip = 0;
  const from = () => `10.0.${Math.floor(++ip / 250)}.${ip % 250}`;
  const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    request(app)
      .post('/oauth2/default/v1/token')
      .set({ 'x-forwarded-for': from(), ...headers })
      .type('form')
      .send(new URLSearchParams(form).toString());
  const secretPost = { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET };
  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  const verifyIssued = async (accessToken: string) => {
    const verifier = new AccessTokenVerifier([trustedIssuerOf(server)]);
    return verifier.verify(accessToken);
  };

  it('client_secret_post: a Bearer JWT for the hook, never cached, that the hook accepts', async () => {
    const res = await post(secretPost).expect(200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers.pragma, 'no-cache');
    assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.deepEqual(
      { token_type: res.body.token_type, expires_in: res.body.expires_in, scope: res.body.scope },
      { token_type: 'Bearer', expires_in: 3600, scope: TELEPHONY_HOOK_SCOPE },
    );
    const { payload, protectedHeader } = await jwtVerify(
      res.body.access_token,
      createLocalJWKSet(server.signingKeys.publicJwks),
      { issuer: `${BASE}/oauth2/default`, audience: `${BASE}/v1/okta/telephony` },
    );
    assert.deepEqual(
      { alg: protectedHeader.alg, typ: protectedHeader.typ, kid: protectedHeader.kid },
      { alg: 'RS256', typ: 'at+jwt', kid: server.signingKeys.signer.kid },
    );
    assert.equal(payload.sub, CLIENT_ID);
    assert.equal(payload.cid, CLIENT_ID);
    assert.deepEqual(payload.scp, [TELEPHONY_HOOK_SCOPE]);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 3600);
    assert.equal(typeof payload.jti, 'string');
    assert.deepEqual(await verifyIssued(res.body.access_token), {
      ok: true,
      issuer: `${BASE}/oauth2/default`,
      clientId: CLIENT_ID,
    });
    assert.ok(!captured.text().includes(SECRET), 'the secret reached the log');
    assert.ok(!captured.text().includes(res.body.access_token), 'the token reached the log');
  });

  it('client_secret_basic, with the id and secret form-encoded inside the credentials (RFC 6749 §2.3.1)', async () => {
    const res = await post(
      { grant_type: 'client_credentials' },
      { authorization: basic(CLIENT_ID, SECRET) },
    ).expect(200);
    assert.equal(res.body.token_type, 'Bearer');
  });

  it('grants a requested scope the client holds; refuses one it does not (invalid_scope)', async () => {
    await post({ ...secretPost, scope: TELEPHONY_HOOK_SCOPE }).expect(200);
    const res = await post({ ...secretPost, scope: `${TELEPHONY_HOOK_SCOPE} okta.users.manage` }).expect(400);
    assert.equal(res.body.error, 'invalid_scope');
  });

  it('refuses with RFC 6749 §5.2 errors, never cached, and never logs the secret', async () => {
    const cases: [string, ReturnType<typeof post>, number, string][] = [
      ['wrong secret', post({ ...secretPost, client_secret: `${SECRET}x` }), 401, 'invalid_client'],
      ['unknown client', post({ ...secretPost, client_id: 'nobody' }), 401, 'invalid_client'],
      [
        'no client authentication',
        post({ grant_type: 'client_credentials', client_id: CLIENT_ID }),
        401,
        'invalid_client',
      ],
      [
        'wrong Basic secret',
        post({ grant_type: 'client_credentials' }, { authorization: basic(CLIENT_ID, 'nope') }),
        401,
        'invalid_client',
      ],
      [
        'secret for a client that has none',
        post({ ...secretPost, client_id: 'keys-only' }),
        401,
        'invalid_client',
      ],
      ['wrong grant', post({ ...secretPost, grant_type: 'password' }), 400, 'unsupported_grant_type'],
      [
        'authorization_code grant',
        post({ ...secretPost, grant_type: 'authorization_code' }),
        400,
        'unsupported_grant_type',
      ],
      ['no grant', post({ client_id: CLIENT_ID, client_secret: SECRET }), 400, 'invalid_request'],
      ['two methods', post(secretPost, { authorization: basic(CLIENT_ID, SECRET) }), 400, 'invalid_request'],
      [
        'JSON body',
        request(app).post('/oauth2/default/v1/token').set('x-forwarded-for', from()).send(secretPost),
        400,
        'invalid_request',
      ],
      [
        'a repeated parameter',
        request(app)
          .post('/oauth2/default/v1/token')
          .set('x-forwarded-for', from())
          .type('form')
          .send(`${new URLSearchParams(secretPost)}&grant_type=client_credentials`),
        400,
        'invalid_request',
      ],
    ];
    for (const [label, pending, status, error] of cases) {
      const res = await pending;
      assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error, error, label);
      assert.equal(typeof res.body.error_description, 'string', label);
      assert.equal(res.headers['cache-control'], 'no-store', label);
    }
    const wrongBasic = await post(
      { grant_type: 'client_credentials' },
      { authorization: basic(CLIENT_ID, 'nope') },
    );
    assert.match(String(wrongBasic.headers['www-authenticate']), /^Basic realm="byot"/);
    assert.ok(!captured.text().includes(SECRET), 'the secret reached the log');
    const refusals = captured.lines().filter((l) => String(l.msg).startsWith('token request refused'));
    assert.ok(refusals.every((l) => typeof l.reason === 'string' || String(l.msg).includes('invalid_scope')));
  });

  it('answers 404 for a tenant without an authorization server, 405 for GET', async () => {
    await request(app)
      .post('/oauth2/acme/v1/token')
      .type('form')
      .send('grant_type=client_credentials')
      .expect(404);
    await request(app).post('/oauth2/NOT_A_TENANT/v1/token').type('form').send('x=1').expect(404);
    const res = await request(app).get('/oauth2/default/v1/token').expect(405);
    assert.equal(res.headers.allow, 'POST');
  });

  it('serves RFC 8414 metadata (both well-known forms) and the public JWKS', async () => {
    for (const path of [
      '/oauth2/default/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/oauth2/default',
    ]) {
      const res = await request(app).get(path).expect(200);
      assert.equal(res.body.issuer, `${BASE}/oauth2/default`);
      assert.equal(res.body.token_endpoint, TOKEN_URL);
      assert.equal(res.body.jwks_uri, `${BASE}/oauth2/default/v1/keys`);
      assert.deepEqual(res.body.grant_types_supported, ['client_credentials']);
      assert.deepEqual(res.body.token_endpoint_auth_methods_supported, [
        'client_secret_post',
        'client_secret_basic',
        'private_key_jwt',
      ]);
      assert.deepEqual(res.body.scopes_supported, [TELEPHONY_HOOK_SCOPE]);
    }
    const keys = await request(app).get('/oauth2/default/v1/keys').expect(200);
    assert.equal(keys.body.keys.length, 1);
    assert.equal(keys.body.keys[0].d, undefined);
    assert.equal(keys.body.keys[0].kid, server.signingKeys.signer.kid);
  });

  describe('private_key_jwt (Okta signs with its hook key)', () => {
    const assertionForm = (assertion: string) => ({
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER_ASSERTION,
      client_assertion: assertion,
    });
    const sign = (overrides: Partial<Parameters<typeof clientAssertion>[0]> = {}) =>
      clientAssertion({
        key: hookKey.privateKey,
        clientId: CLIENT_ID,
        audience: TOKEN_URL,
        kid: 'hook-key-1',
        ...overrides,
      });

    it('accepts an RS256 assertion from the registered hook key (aud = token endpoint or issuer), and ES256', async () => {
      await post(assertionForm(await sign())).expect(200);
      await post(assertionForm(await sign({ audience: `${BASE}/oauth2/default` }))).expect(200);
      await post(assertionForm(await sign({ kid: undefined, key: esKey.privateKey, alg: 'ES256' }))).expect(
        200,
      );
      const res = await post({ ...assertionForm(await sign()), client_id: CLIENT_ID }).expect(200);
      assert.equal(decodeProtectedHeader(res.body.access_token).typ, 'at+jwt');
    });

    it('refuses a replayed assertion: its jti is remembered (in Redis) until it expires', async () => {
      const assertion = await sign();
      await post(assertionForm(assertion)).expect(200);
      const replay = await post(assertionForm(assertion)).expect(401);
      assert.equal(replay.body.error, 'invalid_client');
      const keys = await redis.keys(`${prefix}:oauth:default:jti:*`);
      assert.equal(keys.length, 1);
      const ttl = await redis.pttl(keys[0] as string);
      assert.ok(ttl > 60_000 && ttl <= 91_000, `jti kept until exp + tolerance, not longer (ttl ${ttl})`);
      assert.ok(captured.lines().some((l) => l.reason === 'assertion-replayed'));
    });

    it('refuses expired, tampered, unsigned, HS256-with-the-public-key, mis-addressed and long-lived assertions', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: CLIENT_ID, sub: CLIENT_ID, aud: TOKEN_URL, iat: now, exp: now + 60, jti: 'x1' };
      const cases: [string, string | Promise<string>, string][] = [
        ['expired', sign({ issuedAt: now - 600, expiresInSeconds: 60 }), 'assertion-expired'],
        ['tampered signature', sign().then(tamperSignature), 'assertion-bad-signature'],
        ['alg none', unsignedJwt(claims), 'assertion-alg-not-allowed'],
        [
          'HS256 with the public key',
          hs256WithPublicKey(claims, hookKey.publicKey, 'hook-key-1'),
          'assertion-alg-not-allowed',
        ],
        ['wrong audience', sign({ audience: 'https://elsewhere.example/token' }), 'assertion-bad-aud'],
        ['sub is not the client', sign({ subject: 'someone-else' }), 'assertion-bad-sub'],
        [
          'a key not registered',
          rsaKeyPair().then((k) => sign({ key: k.privateKey })),
          'assertion-bad-signature',
        ],
        ['lives too long', sign({ expiresInSeconds: 3600 }), 'assertion-lives-too-long'],
        [
          'issued in the future',
          sign({ issuedAt: now + 120, expiresInSeconds: 60 }),
          'assertion-issued-in-the-future',
        ],
        ['iss of an unknown client', sign({ issuer: 'nobody', subject: 'nobody' }), 'unknown-client'],
      ];
      for (const [label, assertion, reason] of cases) {
        const res = await post(assertionForm(await assertion));
        assert.equal(res.status, 401, `${label}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error, 'invalid_client', label);
        assert.equal(captured.lines().at(-1)?.reason, reason, label);
      }
      const wrongType = await post({
        ...assertionForm(await sign()),
        client_assertion_type: 'urn:other',
      }).expect(400);
      assert.equal(wrongType.body.error, 'invalid_request');
      const mismatch = await post({ ...assertionForm(await sign()), client_id: 'keys-only' }).expect(400);
      assert.equal(mismatch.body.error, 'invalid_request');
    });
  });

  describe('throttling failed client authentication (Redis, shared by replicas)', () => {
    it('blocks a source address after repeated failures — the right secret too — and says when to retry', async () => {
      const attacker = '203.0.113.7';
      for (let i = 0; i < SECRET_FAILURES; i++) {
        await post(
          { ...secretPost, client_id: `guess-${i}`, client_secret: 'wrong' },
          { 'x-forwarded-for': attacker },
        ).expect(401);
      }
      const blocked = await post(secretPost, { 'x-forwarded-for': attacker }).expect(429);
      assert.equal(blocked.body.error, 'temporarily_unavailable');
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      // Another address (Okta's) is not affected, and the counters live in Redis, where any replica reads them.
      await post(secretPost).expect(200);
      assert.ok((await redis.keys(`${prefix}:throttle:source:*`)).length > 0);
    });

    it('blocks a client id guessed at from many addresses; a success resets its count', async () => {
      for (let i = 0; i < CLIENT_FAILURES - 1; i++)
        await post({ ...secretPost, client_secret: 'wrong' }).expect(401);
      await post(secretPost).expect(200); // Okta's own fetch in between: the consecutive count starts again
      for (let i = 0; i < CLIENT_FAILURES; i++)
        await post({ ...secretPost, client_secret: 'wrong' }).expect(401);
      const blocked = await post(secretPost).expect(429);
      assert.equal(blocked.body.error, 'temporarily_unavailable');
      assert.ok(captured.lines().some((l) => l.by === 'client'));
    });
  });
});
