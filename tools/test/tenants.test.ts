/**
 * `npm run tenants -- check FILE` and `… add ID --okta-org URL` as an operator runs them: exit codes, --env-file,
 * and a block from `add` that `check` accepts once its placeholders are filled in.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { nodeServiceArgs, repoRoot } from '@byot/testkit';

const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      nodeServiceArgs(join(repoRoot(), 'tools/src/tenants.ts'), ...args),
      { env: { PATH: process.env.PATH ?? '' } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('npm run tenants', () => {
  it('add prints a block that check accepts with the secrets in an env file; check fails on problems', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'byot-tenants-cli-'));
    const added = await run(
      'add',
      'acme',
      '--okta-org',
      'https://acme.okta.com',
      '--twilio-account-sid',
      `AC${'a'.repeat(32)}`,
      '--twilio-from',
      '+15005550006',
    );
    assert.equal(added.code, 0, added.stderr);
    const block = added.stdout.slice(added.stdout.indexOf('  acme:'), added.stdout.indexOf('\n\n'));
    const secrets = added.stdout.split('\n').filter((l) => /^ACME_[A-Z_]+=[A-Za-z0-9_-]+$/.test(l));
    assert.equal(secrets.length, 3);
    const file = join(folder, 'tenants.yaml');
    writeFileSync(file, `tenants:\n${block}\n`);

    const missing = await run('check', file);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /4 problem\(s\)/);
    assert.match(
      missing.stderr,
      /tenant "acme", twilio\.authToken: environment variable ACME_TWILIO_TOKEN is not set/,
    );

    const envFile = join(folder, 'secrets.env');
    writeFileSync(envFile, `${secrets.join('\n')}\nACME_TWILIO_TOKEN=${'t'.repeat(32)}\n`);
    const checked = await run(
      'check',
      file,
      '--env-file',
      envFile,
      '--public-base-url',
      'https://byot.example',
    );
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /valid, 1 tenant\(s\)/);
    assert.match(checked.stdout, /https:\/\/byot\.example\/v1\/okta\/telephony\/acme/);

    const usage = await run('frobnicate', 'x');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /unknown command "frobnicate"/);
  });
});
