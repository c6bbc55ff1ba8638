// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tenants file's own ${…} syntax, quoted in tests
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@byot/testkit';
import { type LoadResult, loadTenantsFile } from '../file/load.ts';
import { tempFolder, writeTwoTenantFile } from '../testing/fixtures.ts';
import { type ReloadTrigger, type TenantsWatcher, type WatcherOptions, watchTenantsFile } from './watcher.ts';

interface Seen {
  valid: Array<{ tenants: string[]; trigger: ReloadTrigger }>;
  invalid: Array<{ problems: string[]; trigger: ReloadTrigger }>;
}

let running: TenantsWatcher | undefined;
afterEach(() => running?.stop());

function watch(file: string, env: NodeJS.ProcessEnv, extra: Partial<WatcherOptions> = {}): Seen {
  const load = () => loadTenantsFile(file, { env });
  const initial = load();
  if (!initial.ok) assert.fail(initial.problems.join('\n'));
  const seen: Seen = { valid: [], invalid: [] };
  running = watchTenantsFile({
    initial,
    load,
    signal: null,
    onValid: (result, trigger) => seen.valid.push({ tenants: [...result.config.tenants.keys()], trigger }),
    onInvalid: (problems, trigger) => seen.invalid.push({ problems, trigger }),
    ...extra,
  });
  return seen;
}

/** The file with a third tenant appended (a copy of globex under another id and org). */
function withThirdTenant(text: string): string {
  const globex = text.slice(text.indexOf('  globex:'));
  return `${text}${globex.replace('  globex:', '  initech:').replace('globex.oktapreview.com', 'initech.okta.com').replace('GLOBEX_HOOK_SECRET', 'INITECH_HOOK_SECRET')}`;
}

const deadline = { timeoutMs: 10_000 };

describe('reloading the tenants file', () => {
  it('notices an edit in place, and refuses an invalid one while the running tenants stay', async () => {
    const { file, env } = writeTwoTenantFile();
    env.INITECH_HOOK_SECRET = 'initech-secret-0123456789';
    const seen = watch(file, env);
    const original = readFileSync(file, 'utf8');

    writeFileSync(file, withThirdTenant(original));
    await eventually(
      () => assert.deepEqual(seen.valid.at(-1)?.tenants, ['acme', 'globex', 'initech']),
      deadline,
    );
    assert.equal(seen.valid.at(-1)?.trigger, 'change');

    writeFileSync(
      file,
      original.replace('oktaOrg: https://acme.okta.com', 'oktaOrg: https://acme.okta.com\n    oktaorg: typo'),
    );
    await eventually(() => assert.equal(seen.invalid.length, 1), deadline);
    assert.match(seen.invalid[0]?.problems.join('\n') ?? '', /tenant "acme": unknown key "oktaorg"/);
    // Reported once per distinct content, not on every poll.
    await sleep(2_500);
    assert.equal(seen.invalid.length, 1);
    assert.equal(seen.valid.length, 1);

    writeFileSync(file, original);
    await eventually(() => assert.deepEqual(seen.valid.at(-1)?.tenants, ['acme', 'globex']), deadline);
  });

  it('follows a Kubernetes ConfigMap update (the ..data symlink swapped), by the poll alone', async () => {
    // The kubelet's layout: <mount>/tenants.yaml → ..data/tenants.yaml, ..data → ..<timestamp>/.
    const mount = tempFolder('configmap');
    const source = writeTwoTenantFile();
    const text = readFileSync(source.file, 'utf8').replace(
      '${file:acme-vonage.key}',
      `\${file:${join(source.folder, 'acme-vonage.key')}}`,
    );
    mkdirSync(join(mount, '..2026_01_01_00_00_00.1'));
    writeFileSync(join(mount, '..2026_01_01_00_00_00.1', 'tenants.yaml'), text);
    symlinkSync('..2026_01_01_00_00_00.1', join(mount, '..data'));
    symlinkSync('..data/tenants.yaml', join(mount, 'tenants.yaml'));
    const env = { ...source.env, INITECH_HOOK_SECRET: 'initech-secret-0123456789' };
    const seen = watch(join(mount, 'tenants.yaml'), env, { watchFolders: false, pollIntervalMs: 500 });

    // An update: a new timestamped folder, a temporary link to it, renamed over ..data in one step.
    mkdirSync(join(mount, '..2026_01_01_00_05_00.2'));
    writeFileSync(join(mount, '..2026_01_01_00_05_00.2', 'tenants.yaml'), withThirdTenant(text));
    symlinkSync('..2026_01_01_00_05_00.2', join(mount, '..data_tmp'));
    renameSync(join(mount, '..data_tmp'), join(mount, '..data'));
    rmSync(join(mount, '..2026_01_01_00_00_00.1'), { recursive: true });

    await eventually(
      () => assert.deepEqual(seen.valid.at(-1)?.tenants, ['acme', 'globex', 'initech']),
      deadline,
    );
  });

  it('reacts to the folder watch without waiting for the poll', async () => {
    const { file, env } = writeTwoTenantFile();
    env.INITECH_HOOK_SECRET = 'initech-secret-0123456789';
    // A poll of a minute: only fs.watch can deliver this within the deadline.
    const seen = watch(file, env, { pollIntervalMs: 60_000 });
    writeFileSync(file, withThirdTenant(readFileSync(file, 'utf8')));
    await eventually(() => assert.equal(seen.valid.length, 1), deadline);
  });

  it('notices a changed secret file (a rotated ${file:…}), and ignores a touch', async () => {
    const { file, env, folder } = writeTwoTenantFile();
    const seen = watch(file, env, { watchFolders: false, pollIntervalMs: 200 });
    const now = new Date();
    utimesSync(file, now, now);
    await sleep(1_000);
    assert.equal(seen.valid.length, 0, 'a touch without a change reloaded');

    // An unreadable key is refused; a new valid key is taken.
    writeFileSync(join(folder, 'acme-vonage.key'), 'garbage');
    await eventually(() => assert.equal(seen.invalid.length, 1), deadline);
    assert.match(
      seen.invalid[0]?.problems[0] ?? '',
      /tenant "acme", vonage.privateKey: must be a PEM private key/,
    );
    writeFileSync(
      join(folder, 'acme-vonage.key'),
      readFileSync(join(writeTwoTenantFile().folder, 'acme-vonage.key')),
    );
    await eventually(() => assert.equal(seen.valid.length, 1), deadline);
  });

  it('reloads on SIGHUP even when nothing changed (the operator asked)', async () => {
    const { file, env } = writeTwoTenantFile();
    const seen = watch(file, env, { signal: 'SIGHUP', watchFolders: false, pollIntervalMs: 60_000 });
    process.kill(process.pid, 'SIGHUP');
    await eventually(() => assert.equal(seen.valid.at(-1)?.trigger, 'signal'), deadline);
    running?.stop();
    // After stop() the handler is gone (a SIGHUP without any handler would end this test process).
    assert.equal(process.listenerCount('SIGHUP'), 0);
  });

  it('a manual reload returns the result', () => {
    const { file, env } = writeTwoTenantFile();
    watch(file, env);
    const result: LoadResult | undefined = running?.reload();
    assert.equal(result?.ok, true);
  });
});
