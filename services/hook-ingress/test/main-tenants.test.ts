/**
 * The service itself (src/main.ts, as `npm start` runs it) with TENANTS_FILE: it refuses to start on an invalid
 * file (every problem listed, exit 78), serves each tenant on its own path with its own secret, and re-reads the
 * file on SIGHUP. A real process, a real Redis.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, oktaHookRequest, sharedTestRedis, uniquePrefix } from '@byot/testkit';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');
const SECRETS = {
  ACME_HOOK_SECRET: `Basic ${randomBytes(18).toString('base64url')}`,
  GLOBEX_HOOK_SECRET: `Basic ${randomBytes(18).toString('base64url')}`,
};
const tenant = (id: string, secretVar: string, account: string) => `  ${id}:
    oktaOrg: https://${id}.okta.com
    hookAuth:
      header: { name: authorization, value: "\${${secretVar}}" }
    twilio: { accountSid: "AC${account.repeat(32)}", authToken: "${id}-twilio-token-0001", fromNumber: "+15005550006" }
`;
const BOTH = `tenants:\n${tenant('acme', 'ACME_HOOK_SECRET', 'a')}${tenant('globex', 'GLOBEX_HOOK_SECRET', 'b')}`;

let redisUrl: string;
const children: ChildProcess[] = [];
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
});
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

function start(file: string) {
  const child = spawn(process.execPath, ['--conditions=byot-source', MAIN], {
    env: {
      PATH: process.env.PATH,
      ...SECRETS,
      TENANTS_FILE: file,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: uniquePrefix('main'),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      HOOK_RESPONSE_BUDGET_MS: '100',
      LOG_LEVEL: 'info',
      OTEL_SDK_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    out += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    err += String(chunk);
  });
  return { child, out: () => out, err: () => err };
}

const hook = (port: number, id: string | null, org: string, secret: string) =>
  fetch(`http://127.0.0.1:${port}/v1/okta/telephony${id ? `/${id}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: secret },
    body: JSON.stringify({ ...oktaHookRequest(), source: `${org}/api/v1/inlineHooks/cal1` }),
  }).then(async (r) => ({ status: r.status, body: await r.text() }));

describe('hook-ingress main.ts with TENANTS_FILE', () => {
  it('refuses to start on an invalid file, listing every problem (exit 78)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'byot-main-')), 'tenants.yaml');
    writeFileSync(
      file,
      `${BOTH}  Bad_Id:\n    oktaOrg: https://bad.okta.com\n  initech:\n    oktaOrg: not-a-url\n`,
    );
    const run = start(file);
    const [code] = await once(run.child, 'exit');
    assert.equal(code, 78);
    assert.match(run.err(), /Bad_Id/);
    assert.match(run.err(), /tenant "initech", oktaOrg/);
    for (const secret of Object.values(SECRETS)) assert.ok(!run.err().includes(secret));
  });

  it('serves each tenant with its own secret and re-reads the file on SIGHUP', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'byot-main-')), 'tenants.yaml');
    writeFileSync(file, BOTH);
    const run = start(file);
    const port = await eventually(
      () => {
        const m = /hook-ingress listening on :(\d+)/.exec(run.out());
        assert.ok(m, run.err());
        return Number(m[1]);
      },
      { timeoutMs: 30_000 },
    );
    assert.equal((await hook(port, 'acme', 'https://acme.okta.com', SECRETS.ACME_HOOK_SECRET)).status, 200);
    assert.equal(
      (await hook(port, 'globex', 'https://globex.okta.com', SECRETS.ACME_HOOK_SECRET)).status,
      401,
    );
    assert.equal(
      (await hook(port, 'globex', 'https://globex.okta.com', SECRETS.GLOBEX_HOOK_SECRET)).status,
      200,
    );
    assert.equal((await hook(port, null, 'https://acme.okta.com', SECRETS.ACME_HOOK_SECRET)).status, 404);

    writeFileSync(file, `tenants:\n${tenant('acme', 'ACME_HOOK_SECRET', 'a')}`);
    run.child.kill('SIGHUP');
    await eventually(() => assert.match(run.out(), /"removed":\["globex"\]/), { timeoutMs: 15_000 });
    assert.equal(
      (await hook(port, 'globex', 'https://globex.okta.com', SECRETS.GLOBEX_HOOK_SECRET)).status,
      404,
    );
    assert.equal((await hook(port, 'acme', 'https://acme.okta.com', SECRETS.ACME_HOOK_SECRET)).status, 200);
    for (const secret of Object.values(SECRETS)) assert.ok(!run.out().includes(secret));

    run.child.kill('SIGTERM');
    const [code] = await once(run.child, 'exit');
    assert.equal(code, 0);
  });
});
