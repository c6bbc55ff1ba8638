import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DeliveryStore, LedgerIndex } from '@byot/delivery/records';
import { ProviderStatsReader, ProviderStatsRecorder } from '@byot/delivery/stats';
import { createLogger } from '@byot/observability';
import { closeRedis, createKeyspace, createRedisConnection, type Keyspace } from '@byot/redis';
import { PersonIndexer } from '@byot/sealing';
import { ByotMetrics } from '@byot/telemetry';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { createAdminApp } from '../src/admin/admin-app.ts';
import { type ConsoleFeature, createConsole } from '../src/admin/console/console-app.ts';
import { ledgerSource } from '../src/admin/console/deliveries/ledger-source.ts';
import { html } from '../src/admin/console/html.ts';
import { type ConsoleTenants, fixedTenants } from '../src/admin/console/principal.ts';
import { providerHealthFromRedis } from '../src/admin/console/provider-health.ts';
import { SessionStore } from '../src/admin/console/sessions.ts';

const ADMIN_TOKEN = 'console-admin-token-0123456789abcdef';
const ACME_TOKEN = 'acme-viewer-token-0123456789abcdef';
const log = createLogger({ service: 'test', level: 'silent' });
const indexer = new PersonIndexer([randomBytes(32)]);
const indexSettings = { retentionMs: 3_600_000, maxOtpLifetimeMs: 1_800_000 };

let redis: Redis;
const metrics = new ByotMetrics({ service: 'test', processMetrics: false });

before(async () => {
  redis = createRedisConnection({ url: (await sharedTestRedis()).url, role: 'worker', name: 'test-console' });
});
after(async () => {
  await closeRedis(redis);
  await metrics.shutdown();
});

/** An action only operators may take, standing in for "lift a block" until the blocks page lands. */
const probeAction: ConsoleFeature = {
  nav: { id: 'probe', label: 'Probe', href: '/console/probe' },
  visible: () => true,
  routes(router, helpers) {
    router.get('/console/probe', (_req, res) => {
      const { session } = helpers.context(res);
      helpers.render(res, {
        title: 'Probe',
        body: html`<form method="post" action="/console/probe"><input type="hidden" name="_csrf" value="${session.csrf}"><button>Act</button></form>`,
      });
    });
    router.post('/console/probe', helpers.requireOperator, (_req, res) => {
      res.status(200).type('text').send('acted');
    });
  },
};

interface ConsoleAppOptions {
  maxMs?: number;
  now?: () => number;
  /** ADMIN_TOKEN of this process (another value: the same deployment restarted with a rotated token). */
  adminToken?: string;
  tenants?: ConsoleTenants;
}

function consoleApp(keyspace: Keyspace, options: ConsoleAppOptions = {}): Express {
  const sessions = new SessionStore(
    redis,
    keyspace,
    { idleMs: 60_000, maxMs: options.maxMs ?? 3_600_000 },
    options.now,
  );
  return createAdminApp({
    metrics,
    token: ADMIN_TOKEN,
    queues: [],
    allowActions: false,
    console: createConsole({
      sessions,
      adminToken: options.adminToken ?? ADMIN_TOKEN,
      tenants: options.tenants ?? fixedTenants({ default: undefined, acme: ACME_TOKEN }),
      cookies: { publicUrl: undefined },
      oidc: undefined,
      providers: providerHealthFromRedis(redis, keyspace, new ProviderStatsReader(redis, keyspace)),
      deliveries: ledgerSource({
        index: new LedgerIndex(redis, keyspace, indexSettings),
        indexer,
        ledger: async (tenant, eventId) =>
          tenant === 'default' ? new DeliveryStore(redis, keyspace, 3_600_000).getLedger(eventId) : undefined,
      }),
      log,
      features: [probeAction],
    }),
  });
}

function cookieOf(res: request.Response): string {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  const line = raw?.find((c) => /^(__Host-)?byot-console=/.test(c));
  assert.ok(line, 'a session cookie was set');
  return line.split(';')[0] as string;
}

async function signIn(app: Express, token: string): Promise<string> {
  const res = await request(app).post('/console/session').type('form').send({ token }).expect(303);
  assert.equal(res.headers.location, '/console');
  return cookieOf(res);
}

function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  assert.ok(match, 'the page carries a CSRF token');
  return match[1] as string;
}

describe('support console', () => {
  it('sends a browser without a session to the sign-in page, which is strict about what it loads', async () => {
    const app = consoleApp(createKeyspace(uniquePrefix('console')));
    const res = await request(app).get('/console').expect(303);
    assert.equal(res.headers.location, '/console/sign-in?next=%2Fconsole');
    const signIn = await request(app).get('/console/sign-in').expect(200);
    assert.match(signIn.text, /<form method="post" action="\/console\/session"/);
    assert.match(signIn.text, /name="token"/);
    const csp = String(signIn.headers['content-security-policy']);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "form-action 'self'",
    ]) {
      assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
    }
    assert.ok(!csp.includes('unsafe-inline'));
    assert.equal(signIn.headers['cache-control'], 'no-store');
    assert.equal(signIn.headers['x-content-type-options'], 'nosniff');
    assert.equal(signIn.headers['referrer-policy'], 'same-origin');
    await request(app)
      .get('/console/assets/console.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await request(app).get('/console/assets/console.css').expect(200).expect('content-type', /css/);
    await request(app).get('/console/assets/nothing.js').expect(404);
  });

  it('signs in with ADMIN_TOKEN (HttpOnly, SameSite cookie; Secure and __Host- outside loopback)', async () => {
    const app = consoleApp(createKeyspace(uniquePrefix('console')));
    const loopback = await request(app)
      .post('/console/session')
      .type('form')
      .send({ token: ADMIN_TOKEN })
      .expect(303);
    const line = (loopback.headers['set-cookie'] as unknown as string[]).join('\n');
    assert.match(line, /^byot-console=[A-Za-z0-9_-]{43};/m);
    assert.match(line, /HttpOnly/);
    assert.match(line, /SameSite=Lax/);
    assert.doesNotMatch(line, /Secure/, 'plain HTTP on loopback: a Secure cookie would never come back');
    const remote = await request(app)
      .post('/console/session')
      .set('host', 'byot-admin.example.com')
      .type('form')
      .send({ token: ADMIN_TOKEN })
      .expect(303);
    const remoteLine = (remote.headers['set-cookie'] as unknown as string[]).join('\n');
    assert.match(remoteLine, /^__Host-byot-console=/m);
    assert.match(remoteLine, /Secure/);
    assert.match(remoteLine, /Path=\//);

    const cookie = cookieOf(loopback);
    const home = await request(app).get('/console').set('cookie', cookie).expect(200);
    assert.match(home.text, /<h1>Deliveries<\/h1>/);
    const providers = await request(app).get('/console/providers').set('cookie', cookie).expect(200);
    assert.match(providers.text, /MSP operator/);
  });

  it('ends the sessions a token opened once that token is rotated (tenant adminToken reloaded, ADMIN_TOKEN restarted)', async () => {
    const keyspace = createKeyspace(uniquePrefix('console'));
    // A tenant list whose acme token a reload replaces, as directoryTenants does over the tenants file.
    let acmeToken = ACME_TOKEN;
    const reloadable: ConsoleTenants = {
      ids: () => ['acme', 'default'],
      hasViewerTokens: () => true,
      viewerTokenOwner: (token) => fixedTenants({ acme: acmeToken }).viewerTokenOwner(token),
      viewerCredential: (tenant) => fixedTenants({ acme: acmeToken }).viewerCredential(tenant),
    };
    const app = consoleApp(keyspace, { tenants: reloadable });
    const viewer = await signIn(app, ACME_TOKEN);
    const operator = await signIn(app, ADMIN_TOKEN);
    await request(app).get('/console').set('cookie', viewer).expect(200);

    acmeToken = 'acme-viewer-token-rotated-0123456789';
    const ended = await request(app).get('/console').set('cookie', viewer).expect(303);
    assert.match(String(ended.headers.location), /^\/console\/sign-in/);
    await request(app).get('/console').set('cookie', operator).expect(200);
    const fresh = await signIn(app, acmeToken);
    await request(app).get('/console').set('cookie', fresh).expect(200);
    // The old session is gone from Redis, not merely refused: restoring the old token does not revive it.
    acmeToken = ACME_TOKEN;
    await request(app).get('/console').set('cookie', viewer).expect(303);

    // The same deployment restarted with a new ADMIN_TOKEN: the operator's session (kept in Redis) is over.
    const restarted = consoleApp(keyspace, {
      tenants: reloadable,
      adminToken: 'console-admin-token-rotated-0123',
    });
    await request(restarted).get('/console').set('cookie', operator).expect(303);
    // A session stored before fingerprints existed (a rolling upgrade) signs its holder out once.
    const sessions = new SessionStore(redis, keyspace, { idleMs: 60_000, maxMs: 3_600_000 });
    const { id } = await sessions.create({ role: 'operator', name: 'admin token', via: 'token' });
    await request(app).get('/console').set('cookie', `byot-console=${id}`).expect(303);
  });

  it('refuses a wrong token, an empty one, and a sign-in posted from another site', async () => {
    const app = consoleApp(createKeyspace(uniquePrefix('console')));
    const wrong = await request(app)
      .post('/console/session')
      .type('form')
      .send({ token: 'nope' })
      .expect(401);
    assert.equal(wrong.headers['set-cookie'], undefined);
    assert.match(wrong.text, /That token is not valid here/);
    assert.ok(!wrong.text.includes('nope'), 'what was typed is never echoed');
    await request(app).post('/console/session').type('form').send({}).expect(401);
    const forged = await request(app)
      .post('/console/session')
      .set('origin', 'https://evil.example')
      .set('sec-fetch-site', 'cross-site')
      .type('form')
      .send({ token: ADMIN_TOKEN })
      .expect(403);
    assert.equal(forged.headers['set-cookie'], undefined);
  });

  it('returns to the page asked for, never to another site', async () => {
    const app = consoleApp(createKeyspace(uniquePrefix('console')));
    const back = await request(app)
      .post('/console/session')
      .type('form')
      .send({ token: ADMIN_TOKEN, next: '/console/providers' })
      .expect(303);
    assert.equal(back.headers.location, '/console/providers');
    for (const next of [
      'https://evil.example/',
      '//evil.example/console',
      '/consolex',
      '/console/../queues',
    ]) {
      const res = await request(app)
        .post('/console/session')
        .type('form')
        .send({ token: ADMIN_TOKEN, next })
        .expect(303);
      assert.equal(res.headers.location, '/console', `next=${next} ignored`);
    }
  });

  it('signs out only with the CSRF token; the session is gone on the server too', async () => {
    const app = consoleApp(createKeyspace(uniquePrefix('console')));
    const cookie = await signIn(app, ADMIN_TOKEN);
    const page = await request(app).get('/console/providers').set('cookie', cookie).expect(200);
    const csrf = csrfOf(page.text);
    await request(app).post('/console/sign-out').set('cookie', cookie).type('form').send({}).expect(403);
    await request(app)
      .post('/console/sign-out')
      .set('cookie', cookie)
      .set('origin', 'https://evil.example')
      .type('form')
      .send({ _csrf: csrf })
      .expect(403);
    const out = await request(app)
      .post('/console/sign-out')
      .set('cookie', cookie)
      .type('form')
      .send({ _csrf: csrf })
      .expect(303);
    assert.equal(out.headers.location, '/console/sign-in?m=signed-out');
    // The old cookie, replayed: dead.
    const replay = await request(app).get('/console/providers').set('cookie', cookie).expect(303);
    assert.match(String(replay.headers.location), /^\/console\/sign-in\?m=expired/);
  });

  it('ends a session at its absolute expiry even while it is in use', async () => {
    const keyspace = createKeyspace(uniquePrefix('console'));
    let now = Date.now();
    const app = consoleApp(keyspace, { maxMs: 120_000, now: () => now });
    const cookie = await signIn(app, ADMIN_TOKEN);
    await request(app).get('/console/providers').set('cookie', cookie).expect(200);
    now += 121_000;
    const res = await request(app).get('/console/providers').set('cookie', cookie).expect(303);
    assert.match(String(res.headers.location), /m=expired/);
  });

  it("keeps a tenant viewer to its tenant's providers and out of every action", async () => {
    const keyspace = createKeyspace(uniquePrefix('console'));
    const recorder = new ProviderStatsRecorder(redis, keyspace);
    recorder.events.attempt({ provider: 'twilio', channel: 'sms', outcome: 'accepted', durationMs: 120 });
    recorder.events.attempt({
      provider: 'vonage',
      channel: 'sms',
      outcome: 'unavailable',
      durationMs: 5_000,
      tenant: 'acme',
      credentialSet: 'acme-vonage',
    });
    await recorder.flush();
    const app = consoleApp(keyspace);

    const operator = await signIn(app, ADMIN_TOKEN);
    const all = await request(app).get('/console/providers').set('cookie', operator).expect(200);
    assert.match(all.text, /data-credential-set="default"/);
    assert.match(all.text, /data-credential-set="acme-vonage"/);

    const viewer = await signIn(app, ACME_TOKEN);
    const own = await request(app).get('/console/providers').set('cookie', viewer).expect(200);
    assert.match(own.text, /viewer · acme/);
    assert.match(own.text, /data-credential-set="acme-vonage"/);
    assert.doesNotMatch(own.text, /data-credential-set="default"/, "another tenant's route is not shown");

    const probe = await request(app).get('/console/probe').set('cookie', viewer).expect(200);
    await request(app)
      .post('/console/probe')
      .set('cookie', viewer)
      .type('form')
      .send({ _csrf: csrfOf(probe.text) })
      .expect(403);
    const asOperator = await request(app).get('/console/probe').set('cookie', operator).expect(200);
    await request(app)
      .post('/console/probe')
      .set('cookie', operator)
      .type('form')
      .send({ _csrf: csrfOf(asOperator.text) })
      .expect(200, 'acted');
  });

  it('lists deliveries newest first and finds a person by login, user id or last digits — by HMAC only', async () => {
    const keyspace = createKeyspace(uniquePrefix('console'));
    const index = new LedgerIndex(redis, keyspace, indexSettings);
    const now = Date.now();
    const hook = (eventId: string, ms: number, tenant: string, extra: Record<string, string> = {}) =>
      index.recordHook(
        {
          tenant,
          eventId,
          receivedAt: now - ms,
          channel: 'sms',
          requestType: 'com.okta.user.telephony.mfa-verification',
          phoneMasked: '+1•••••••43',
          otpExpiresAt: now + 300_000,
          answer: 'PENDING',
          answeredAt: now - ms + 30,
          ...extra,
        },
        {
          ...indexer.digests(tenant, {
            login: 'Dana@Example.com',
            userId: '00uDana',
            phoneE164: '+12025550143',
          }),
        },
      );
    await hook('evtOld', 5_000, 'default');
    await hook('evtBlocked', 3_000, 'default', { answer: 'FAILED', blockedBy: 'destination-country' });
    await hook('evtAcme', 1_000, 'acme');
    const app = consoleApp(keyspace);
    const operator = await signIn(app, ADMIN_TOKEN);

    const feed = await request(app).get('/console').set('cookie', operator).expect(200);
    const order = [...feed.text.matchAll(/data-event-id="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(order, ['evtAcme', 'evtBlocked', 'evtOld']);
    assert.match(feed.text, /data-state="blocked"/);
    const blocked = await request(app).get('/console?state=blocked').set('cookie', operator).expect(200);
    assert.deepEqual(
      [...blocked.text.matchAll(/data-event-id="([^"]+)"/g)].map((m) => m[1]),
      ['evtBlocked'],
    );

    const byLogin = await request(app)
      .get('/console/deliveries?login=dana%40example.com')
      .set('cookie', operator)
      .expect(200);
    assert.equal(
      [...byLogin.text.matchAll(/data-event-id=/g)].length,
      3,
      'the login, case-insensitive, in every tenant',
    );
    assert.match(byLogin.text, /href="\/console\/deliveries\/default\/evtOld"/);
    const byUser = await request(app)
      .get('/console/deliveries?userId=00uDana&tenant=default')
      .set('cookie', operator)
      .expect(200);
    assert.equal([...byUser.text.matchAll(/data-event-id=/g)].length, 2);
    const form = await request(app)
      .get('/console/deliveries?by=last4&q=0143&tenant=acme')
      .set('cookie', operator)
      .expect(303);
    assert.equal(form.headers.location, '/console/deliveries?last4=0143&tenant=acme');
    const byDigits = await request(app)
      .get('/console/deliveries?last4=0143&tenant=acme')
      .set('cookie', operator)
      .expect(200);
    assert.deepEqual(
      [...byDigits.text.matchAll(/data-event-id="([^"]+)"/g)].map((m) => m[1]),
      ['evtAcme'],
    );
    const noTenant = await request(app)
      .get('/console/deliveries?last4=0143')
      .set('cookie', operator)
      .expect(200);
    assert.match(noTenant.text, /needs a tenant/);

    const story = await request(app)
      .get('/console/deliveries/default/evtBlocked')
      .set('cookie', operator)
      .expect(200);
    assert.match(story.text, /Blocked by the fraud controls \(destination-country\)/);

    // Nothing in Redis names the person or the number.
    const keys = await redis.keys(`${keyspace.prefix}:*`);
    for (const key of keys) {
      assert.doesNotMatch(key.toLowerCase(), /dana|00udana|0143/, key);
      if ((await redis.type(key)) === 'hash') {
        assert.doesNotMatch(JSON.stringify(await redis.hgetall(key)).toLowerCase(), /dana|0143/, key);
      }
    }
  });

  it("never shows a viewer another tenant's deliveries, not even by address", async () => {
    const keyspace = createKeyspace(uniquePrefix('console'));
    const index = new LedgerIndex(redis, keyspace, indexSettings);
    const now = Date.now();
    for (const [tenant, eventId] of [
      ['default', 'evtMsp'],
      ['acme', 'evtMine'],
    ] as const) {
      await index.recordHook(
        {
          tenant,
          eventId,
          receivedAt: now,
          channel: 'sms',
          requestType: 'com.okta.user.telephony.mfa-verification',
          phoneMasked: '+1•••••••43',
          otpExpiresAt: now + 300_000,
          answer: 'PENDING',
          answeredAt: now,
        },
        { ...indexer.digests(tenant, { login: 'dana@example.com' }) },
      );
    }
    const app = consoleApp(keyspace);
    const viewer = await signIn(app, ACME_TOKEN);
    const feed = await request(app).get('/console?tenant=default').set('cookie', viewer).expect(200);
    assert.deepEqual(
      [...feed.text.matchAll(/data-event-id="([^"]+)"/g)].map((m) => m[1]),
      [],
    );
    const own = await request(app).get('/console').set('cookie', viewer).expect(200);
    assert.deepEqual(
      [...own.text.matchAll(/data-event-id="([^"]+)"/g)].map((m) => m[1]),
      ['evtMine'],
    );
    const search = await request(app)
      .get('/console/deliveries?login=dana%40example.com')
      .set('cookie', viewer)
      .expect(200);
    assert.deepEqual(
      [...search.text.matchAll(/data-event-id="([^"]+)"/g)].map((m) => m[1]),
      ['evtMine'],
    );
    await request(app).get('/console/deliveries/default/evtMsp').set('cookie', viewer).expect(404);
    await request(app).get('/console/deliveries/acme/evtMine').set('cookie', viewer).expect(200);
  });

  it('is off, and says how to turn it on, when no sign-in is configured', async () => {
    const app = createAdminApp({ metrics, token: undefined, queues: [], allowActions: false });
    const res = await request(app).get('/console').expect(404);
    assert.match(res.text, /ADMIN_TOKEN or CONSOLE_OIDC_/);
  });
});
