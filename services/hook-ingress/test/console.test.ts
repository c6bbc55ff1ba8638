import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProviderStatsReader, ProviderStatsRecorder } from '@byot/delivery/stats';
import { createLogger } from '@byot/observability';
import { closeRedis, createKeyspace, createRedisConnection, type Keyspace } from '@byot/redis';
import { ByotMetrics } from '@byot/telemetry';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { createAdminApp } from '../src/admin/admin-app.ts';
import { type ConsoleFeature, createConsole } from '../src/admin/console/console-app.ts';
import { html } from '../src/admin/console/html.ts';
import { fixedTenants } from '../src/admin/console/principal.ts';
import { providerHealthFromRedis } from '../src/admin/console/provider-health.ts';
import { SessionStore } from '../src/admin/console/sessions.ts';

const ADMIN_TOKEN = 'console-admin-token-0123456789abcdef';
const ACME_TOKEN = 'acme-viewer-token-0123456789abcdef';
const log = createLogger({ service: 'test', level: 'silent' });

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

function consoleApp(keyspace: Keyspace, options: { maxMs?: number; now?: () => number } = {}): Express {
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
      adminToken: ADMIN_TOKEN,
      tenants: fixedTenants({ default: undefined, acme: ACME_TOKEN }),
      cookies: { publicUrl: undefined },
      oidc: undefined,
      providers: providerHealthFromRedis(redis, keyspace.prefix, new ProviderStatsReader(redis, keyspace)),
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
    const home = await request(app).get('/console').set('cookie', cookie).expect(303);
    assert.equal(home.headers.location, '/console/providers');
    const providers = await request(app).get('/console/providers').set('cookie', cookie).expect(200);
    assert.match(providers.text, /MSP operator/);
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

  it('is off, and says how to turn it on, when no sign-in is configured', async () => {
    const app = createAdminApp({ metrics, token: undefined, queues: [], allowActions: false });
    const res = await request(app).get('/console').expect(404);
    assert.match(res.text, /ADMIN_TOKEN or CONSOLE_OIDC_/);
  });
});
