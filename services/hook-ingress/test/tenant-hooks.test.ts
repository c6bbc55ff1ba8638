/**
 * Many Okta orgs on one ingress (issue 13): each tenant's hook path, its own credentials and Okta org, the same
 * eventId in two orgs as two deliveries, reloads of the tenants file — on a real Redis, real BullMQ and a real
 * tenants file.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import { scopedEventId } from '@byot/contracts';
import { ByotMetrics } from '@byot/telemetry';
import { eventually, oktaHookRequest, sharedTestRedis } from '@byot/testkit';
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
const harnesses: TenantHarness[] = [];
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
});
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});
after(() => {});

async function harness(
  options: Omit<Parameters<typeof startTenantHarness>[0], 'redisUrl' | 'log'> & {
    log?: ReturnType<typeof capturedLogger>;
  } = {},
) {
  const captured = options.log ?? capturedLogger();
  const h = await startTenantHarness({ ...options, redisUrl, log: captured.log });
  harnesses.push(h);
  return { h, captured };
}

const hookFor = (org: string, overrides: Parameters<typeof oktaHookRequest>[0] = {}) => ({
  ...oktaHookRequest({ phoneNumber: '+14155550123', ...overrides }),
  source: hookFrom(org),
});
const post = (h: TenantHarness, tenant: string | null, body: unknown, secret: string | undefined) =>
  postJson(`${h.url}${TELEPHONY_HOOK_PATH}${tenant === null ? '' : `/${tenant}`}`, body, {
    ...(secret === undefined ? {} : { authorization: secret }),
  });
const actionOf = (r: Awaited<ReturnType<typeof postJson>>) => r.body.commands?.[0]?.value[0];

describe('POST /v1/okta/telephony/{tenant}', () => {
  it('serves each tenant with its own secret; the same eventId in two orgs is two deliveries', async () => {
    const { h } = await harness();
    const eventId = 'evtSameInBothOrgs01';
    const acme = await post(
      h,
      'acme',
      hookFor(ACME_ORG, { eventId, otpCode: '111111' }),
      h.secrets.ACME_HOOK_SECRET,
    );
    const globex = await post(
      h,
      'globex',
      hookFor(GLOBEX_ORG, { eventId, otpCode: '222222' }),
      h.secrets.GLOBEX_HOOK_SECRET,
    );
    assert.equal(acme.status, 200, acme.text);
    assert.equal(globex.status, 200, globex.text);
    assert.equal(actionOf(acme)?.status, 'SUCCESSFUL');
    assert.equal(actionOf(globex)?.status, 'SUCCESSFUL');
    // Two sends, each with its own code, each job carrying its tenant and its scoped id.
    assert.deepEqual(
      [...h.sends].sort((a, b) => a.eventId.localeCompare(b.eventId)),
      [
        { eventId: `acme.${eventId}`, tenant: 'acme', otpCode: '111111' },
        { eventId: `globex.${eventId}`, tenant: 'globex', otpCode: '222222' },
      ],
    );
    // Two records in the ledger, one per org; nothing under the bare eventId (the `default` tenant's).
    const [a, g, bare] = await Promise.all([
      h.store.getLedger(scopedEventId('acme', eventId)),
      h.store.getLedger(scopedEventId('globex', eventId)),
      h.store.getLedger(eventId),
    ]);
    assert.equal(a?.record.state, 'accepted');
    assert.equal(g?.record.state, 'accepted');
    assert.equal(bare, undefined);
    assert.notEqual(actionOf(acme)?.transactionId, actionOf(globex)?.transactionId);
  });

  it("refuses tenant A's secret on tenant B's path: 401, nothing enqueued, nothing recorded", async () => {
    const { h, captured } = await harness({ withWorker: false });
    const hook = hookFor(GLOBEX_ORG);
    for (const secret of [h.secrets.ACME_HOOK_SECRET, h.secrets.DEFAULT_HOOK_SECRET, undefined]) {
      const r = await post(h, 'globex', hook, secret);
      assert.equal(r.status, 401);
      assert.equal((r.body.error as { errorSummary?: string }).errorSummary, 'Unauthorized');
    }
    assert.equal(await h.queued(), 0);
    assert.equal(await h.store.getLedger(scopedEventId('globex', hook.eventId)), undefined);
    const refusals = captured.lines().filter((l) => l.msg === 'hook refused: authentication failed');
    assert.equal(refusals.length, 3);
    assert.ok(refusals.every((l) => l.tenant === 'globex'));
    for (const secret of Object.values(h.secrets)) assert.ok(!captured.text().includes(secret));
  });

  it("refuses a hook whose source is outside the tenant's Okta org, the same way, and logs it without secrets", async () => {
    const { h, captured } = await harness({ withWorker: false });
    const hook = {
      ...hookFor(GLOBEX_ORG),
      source: `${GLOBEX_ORG}.evil.example/api/v1/inlineHooks/x?token=abc`,
    };
    const r = await post(h, 'globex', hook, h.secrets.GLOBEX_HOOK_SECRET);
    assert.equal(r.status, 401);
    const missing = await post(
      h,
      'acme',
      { ...hookFor(ACME_ORG), source: undefined },
      h.secrets.ACME_HOOK_SECRET,
    );
    assert.equal(missing.status, 401);
    const other = await post(h, 'acme', hookFor(GLOBEX_ORG), h.secrets.ACME_HOOK_SECRET);
    assert.equal(other.status, 401);
    assert.equal(await h.queued(), 0);
    const lines = captured.lines().filter((l) => l.reason === 'source-outside-org');
    assert.deepEqual(
      lines.map((l) => [l.tenant, l.source]),
      [
        ['globex', 'https://globex.okta.com.evil.example'],
        ['acme', undefined],
        ['acme', GLOBEX_ORG],
      ],
    );
    assert.ok(!captured.text().includes('token=abc'));
    for (const secret of Object.values(h.secrets)) assert.ok(!captured.text().includes(secret));
  });

  it('answers an unknown tenant 404, exactly as any unknown path, whatever the credential', async () => {
    const { h } = await harness({ withWorker: false });
    const unknownPath = await postJson(`${h.url}/v1/no-such-path`, {});
    for (const tenant of ['initech', 'Acme', 'acme.evil', '-x', 'a'.repeat(41)]) {
      const r = await post(h, tenant, hookFor(ACME_ORG), h.secrets.ACME_HOOK_SECRET);
      assert.equal(r.status, 404, tenant);
      assert.equal(r.text, unknownPath.text, tenant);
      assert.ok(!/acme|globex|default/.test(r.text));
    }
    assert.equal(await h.queued(), 0);
  });

  it('serves the tenant `default` on the unprefixed path too, with the bare eventId', async () => {
    const { h } = await harness();
    const a = hookFor('https://byot-test.okta.com');
    const r1 = await post(h, null, a, h.secrets.DEFAULT_HOOK_SECRET);
    const b = hookFor('https://byot-test.okta.com');
    const r2 = await post(h, 'default', b, h.secrets.DEFAULT_HOOK_SECRET);
    assert.equal(actionOf(r1)?.status, 'SUCCESSFUL', r1.text);
    assert.equal(actionOf(r2)?.status, 'SUCCESSFUL', r2.text);
    assert.deepEqual(
      h.sends.map((s) => [s.eventId, s.tenant]).sort(),
      [
        [a.eventId, undefined],
        [b.eventId, undefined],
      ].sort(),
    );
    // acme's secret is not default's.
    assert.equal(
      (await post(h, null, hookFor('https://byot-test.okta.com'), h.secrets.ACME_HOOK_SECRET)).status,
      401,
    );
  });

  it("reads each tenant's numbers in its own default region", async () => {
    const { h } = await harness();
    // A national number: GB for acme (its defaultRegion), US (the deployment's) for globex.
    const r = await post(
      h,
      'acme',
      hookFor(ACME_ORG, { phoneNumber: '07700 900123' }),
      h.secrets.ACME_HOOK_SECRET,
    );
    assert.equal(actionOf(r)?.status, 'SUCCESSFUL', r.text);
    const ledger = await eventually(async () => {
      const l = await h.store.getLedger(h.sends[0]?.eventId ?? 'none');
      assert.ok(l);
      return l;
    });
    assert.match(String(ledger.record.phoneMasked), /^\+44/);
  });
});

describe('telemetry per tenant', () => {
  it('labels hook answers and log lines with the tenant id, never with a secret', async () => {
    const metrics = new ByotMetrics({ service: 'test', processMetrics: false });
    const { h, captured } = await harness({ extend: () => ({ metrics }) });
    assert.equal((await post(h, 'acme', hookFor(ACME_ORG), h.secrets.ACME_HOOK_SECRET)).status, 200);
    assert.equal((await post(h, 'globex', hookFor(GLOBEX_ORG), h.secrets.ACME_HOOK_SECRET)).status, 401);
    // An unknown tenant mints no label.
    assert.equal((await post(h, 'initech', hookFor(ACME_ORG), h.secrets.ACME_HOOK_SECRET)).status, 404);
    const text = await metrics.render();
    assert.match(text, /byot_hook_answers_total\{[^}]*answer="successful"[^}]*tenant="acme"[^}]*\} 1/);
    assert.match(text, /byot_hook_answers_total\{[^}]*answer="rejected"[^}]*tenant="globex"[^}]*\} 1/);
    assert.ok(!text.includes('initech'));
    const answered = captured.lines().find((l) => l.msg === 'hook answered');
    assert.equal(answered?.tenant, 'acme');
    for (const secret of Object.values(h.secrets)) {
      assert.ok(!text.includes(secret));
      assert.ok(!captured.text().includes(secret));
    }
    await metrics.shutdown();
  });
});

describe('reloads of the tenants file', () => {
  it('keeps the running tenants when the new file is invalid, applies a valid one, and drops no work in flight', async () => {
    const { h, captured } = await harness({ withWorker: false });
    // A globex hook queued (no worker yet: the answer is PENDING, the job waits).
    const queuedHook = hookFor(GLOBEX_ORG, { otpCode: '424242' });
    const pending = await post(h, 'globex', queuedHook, h.secrets.GLOBEX_HOOK_SECRET);
    assert.equal(actionOf(pending)?.status, 'PENDING', pending.text);

    // An invalid file: refused with its problems logged; acme and globex still answer.
    writeFileSync(h.file, `${tenantsYaml()}  broken:\n    oktaOrg: not-a-url\n`);
    h.tenancy.reload();
    await eventually(() =>
      assert.ok(captured.lines().some((l) => String(l.msg).startsWith('tenants file refused'))),
    );
    assert.deepEqual(h.tenancy.directory.ids().sort(), ['acme', 'default', 'globex']);
    assert.equal((await post(h, 'globex', hookFor(GLOBEX_ORG), h.secrets.GLOBEX_HOOK_SECRET)).status, 200);

    // A valid file without globex: its new hooks are refused like any unknown tenant's…
    writeFileSync(h.file, tenantsYaml().replace(/ {2}globex:[\s\S]*? {2}default:/, '  default:'));
    h.tenancy.reload();
    await eventually(() => assert.deepEqual(h.tenancy.directory.ids().sort(), ['acme', 'default']));
    assert.equal((await post(h, 'globex', hookFor(GLOBEX_ORG), h.secrets.GLOBEX_HOOK_SECRET)).status, 404);
    assert.equal((await post(h, 'acme', hookFor(ACME_ORG), h.secrets.ACME_HOOK_SECRET)).status, 200);
    // …while its queued code is still delivered, with the settings it started with.
    assert.ok(h.tenancy.directory.forWork('globex'));
    h.startWorker();
    await eventually(() =>
      assert.ok(
        h.sends.some(
          (s) => s.eventId === scopedEventId('globex', queuedHook.eventId) && s.otpCode === '424242',
        ),
      ),
    );
  });
});
