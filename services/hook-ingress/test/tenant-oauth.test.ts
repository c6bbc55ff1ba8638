/**
 * OAuth 2.0 per tenant (issue 13): each tenant's own authorization server at {PUBLIC_BASE_URL}/oauth2/{tenant},
 * over its own clients, and its own outside issuer; a token or a client of tenant A is refused on tenant B.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { FakeIssuer, oktaHookRequest, sharedTestRedis } from '@byot/testkit';
import { TELEPHONY_HOOK_PATH } from '../src/app.ts';
import { capturedLogger } from './support/oauth-fixtures.ts';
import {
  ACME_ORG,
  GLOBEX_ORG,
  hookFrom,
  postJson,
  startTenantHarness,
  type TenantHarness,
  tenantsYaml,
} from './support/tenant-harness.ts';

let redisUrl: string;
let okta: FakeIssuer;
let kid: string;
const harnesses: TenantHarness[] = [];
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
  okta = await FakeIssuer.start();
  kid = await okta.addKey();
});
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});
after(() => okta.stop());

/** acme also trusts an outside issuer (its Okta custom authorization server), audience api://acme. */
async function harness() {
  const captured = capturedLogger();
  const h = await startTenantHarness({
    redisUrl,
    log: captured.log,
    yaml: () =>
      tenantsYaml().replace(
        /( {8}- \{ clientId: okta-hook, clientSecret: "\$\{ACME_OAUTH_SECRET\}" \}\n)/,
        `$1      oauthIssuer: { issuer: "${okta.issuer}", audience: "api://acme", scopes: [byot.hook] }\n`,
      ),
  });
  harnesses.push(h);
  // The outside issuer's keys are fetched when the tenant is built, not on Okta's clock.
  await Promise.all(h.access.remoteKeySets().map((keys) => keys.whenReady()));
  return { h, captured };
}

async function tokenFrom(h: TenantHarness, tenant: string, clientSecret: string) {
  const response = await fetch(`${h.url}/oauth2/${tenant}/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'okta-hook',
      client_secret: clientSecret,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const hookOn = (h: TenantHarness, tenant: string, org: string, token: string) =>
  postJson(
    `${h.url}${TELEPHONY_HOOK_PATH}/${tenant}`,
    { ...oktaHookRequest({ phoneNumber: '+14155550123' }), source: hookFrom(org) },
    { authorization: `Bearer ${token}` },
  );

describe('OAuth 2.0 per tenant', () => {
  it("issues each tenant's tokens from its own issuer; a token of tenant A is refused on tenant B", async () => {
    const { h } = await harness();
    const acme = await tokenFrom(h, 'acme', h.secrets.ACME_OAUTH_SECRET);
    const globex = await tokenFrom(h, 'globex', h.secrets.GLOBEX_OAUTH_SECRET);
    assert.equal(acme.status, 200, JSON.stringify(acme.body));
    assert.equal(globex.status, 200, JSON.stringify(globex.body));
    const acmeToken = String(acme.body.access_token);
    const globexToken = String(globex.body.access_token);
    const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString());
    assert.equal(claims(acmeToken).iss, `${h.url}/oauth2/acme`);
    assert.equal(claims(acmeToken).aud, `${h.url}${TELEPHONY_HOOK_PATH}/acme`);

    assert.equal((await hookOn(h, 'acme', ACME_ORG, acmeToken)).status, 200);
    assert.equal((await hookOn(h, 'globex', GLOBEX_ORG, globexToken)).status, 200);
    const crossed = await hookOn(h, 'globex', GLOBEX_ORG, acmeToken);
    assert.equal(crossed.status, 401);
    assert.equal((await hookOn(h, 'acme', ACME_ORG, globexToken)).status, 401);
    assert.equal(h.sends.length, 2);
  });

  it("refuses tenant B's client secret at tenant A's token endpoint (same client id in both)", async () => {
    const { h } = await harness();
    const r = await tokenFrom(h, 'acme', h.secrets.GLOBEX_OAUTH_SECRET);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_client');
    // A tenant without clients, and an unknown tenant, have no authorization server.
    assert.equal((await tokenFrom(h, 'default', h.secrets.ACME_OAUTH_SECRET)).status, 404);
    assert.equal((await tokenFrom(h, 'initech', h.secrets.ACME_OAUTH_SECRET)).status, 404);
  });

  it("publishes each tenant's metadata under its own issuer", async () => {
    const { h } = await harness();
    for (const tenant of ['acme', 'globex']) {
      const meta = (await (
        await fetch(`${h.url}/oauth2/${tenant}/.well-known/oauth-authorization-server`)
      ).json()) as {
        issuer: string;
        token_endpoint: string;
      };
      assert.equal(meta.issuer, `${h.url}/oauth2/${tenant}`);
      assert.equal(meta.token_endpoint, `${h.url}/oauth2/${tenant}/v1/token`);
    }
  });

  it("accepts acme's outside issuer on acme's path only", async () => {
    const { h, captured } = await harness();
    const token = await okta.token(kid, {}, { audience: 'api://acme' });
    assert.equal((await hookOn(h, 'acme', ACME_ORG, token)).status, 200);
    assert.equal((await hookOn(h, 'globex', GLOBEX_ORG, token)).status, 401);
    assert.ok(!captured.text().includes(token));
  });
});
