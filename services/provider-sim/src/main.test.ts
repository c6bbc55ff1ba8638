import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function start(env: Record<string, string>) {
  return spawn(process.execPath, ['--conditions=byot-source', MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('main.ts', () => {
  it('prints one JSON line with the URLs, serves, and exits 0 on SIGTERM', async () => {
    const child = start({ PORT: '0', TWILIO_AUTH_TOKEN: 'super-secret-token' });
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    const startup = JSON.parse(first) as Record<string, unknown>;
    assert.equal(startup.msg, 'provider-sim listening');
    assert.match(String(startup.url), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(startup.twilioAccountSid, 'AC00000000000000000000000000000000');
    assert.ok(!first.includes('super-secret-token'), 'the auth token is never printed');

    const health = await fetch(`${startup.url}/healthz`);
    assert.equal(health.status, 200);

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('serves dedicated provider ports, honours SIM_FAULTS down for every provider, and logs no secrets', async () => {
    const child = start({
      PORT: '0',
      SIM_VONAGE_PORT: '0',
      SIM_SENDGRID_PORT: '0',
      SIM_FAULTS: '{"sendgrid":{"down":true},"vonage":{"latencyMs":5}}',
      VONAGE_API_SECRET: 'vonage-secret-value',
      SENDGRID_API_KEY: 'SG.id.sendgrid-secret-value',
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, 'line')) as [string];
      const startup = JSON.parse(first) as Record<string, unknown>;
      const urls = startup.providerUrls as Record<string, string>;
      assert.match(String(urls.vonage), /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(startup.vonageRestHost, urls.vonage);
      assert.equal(startup.sendgridBaseUrl, urls.sendgrid);
      assert.equal(
        startup.vonageVoice,
        'disabled: no VONAGE_PRIVATE_KEY, VONAGE_PRIVATE_KEY_PATH or VONAGE_PUBLIC_KEY',
      );
      assert.ok(!first.includes('secret-value'), 'no secret is printed');
      assert.equal((await fetch(`${urls.vonage}/healthz`)).status, 200);
      await assert.rejects(fetch(`${urls.sendgrid}/healthz`), (error: Error) => {
        assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
        return true;
      });
    } finally {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    }
  });

  it('exits 1 naming the bad variable', async () => {
    const child = start({ PORT: '70000', TWILIO_ACCOUNT_SID: 'nope' });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(stderr, /^provider-sim: invalid configuration:/);
    assert.match(stderr, /- PORT: /);
    assert.match(stderr, /- TWILIO_ACCOUNT_SID: must be "AC" followed by 32 lowercase hex digits/);
  });
});
