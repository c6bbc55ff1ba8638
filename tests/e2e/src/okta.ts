/** Helpers of the guide's end-to-end tests: the okta command as a process, okta-sim's sandbox, the inbox. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  eventually,
  getFreePort,
  type ManagedProcess,
  nodeServiceArgs,
  repoRoot,
  type SystemEndpoints,
  simMessages,
  startProcess,
} from '@byot/testkit';

export interface CommandRun {
  code: number;
  out: string;
  err: string;
}

/**
 * `npm run okta -- …` as a process, with exactly `env` (plus PATH) as its environment — what an operator has
 * configured — and an empty data folder, so no .env or sandbox file of the checkout leaks in.
 */
export function runOktaCommand(args: string[], env: Record<string, string>): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=byot-source', join(repoRoot(), 'tools/src/okta/main.ts'), ...args],
      {
        cwd: mkdtempSync(join(tmpdir(), 'byot-okta-cwd-')),
        env: {
          PATH: process.env.PATH ?? '',
          BYOT_DATA_DIR: mkdtempSync(join(tmpdir(), 'byot-okta-')),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out, err }));
  });
}

/** okta-sim's sandbox API: "sign in as a user / enroll phone / resend / verify". */
export async function oktaSandbox(
  orgUrl: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${orgUrl}/sandbox/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** The code as the person reads it on the simulated phone (the provider simulator's inbox). */
export async function codeInInbox(
  system: Pick<SystemEndpoints, 'simUrl'>,
  phone: string,
  since: number,
): Promise<string> {
  const message = await eventually(
    async () => {
      const [found] = await simMessages(system, { to: phone, since });
      assert.ok(found?.body, 'the SMS reached the inbox');
      return found;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  const code = /(\d{6})/.exec(message.body ?? '')?.[1];
  assert.ok(code, 'the message holds a 6-digit code');
  return code;
}

/** okta-sim as its own process on a free loopback port (no 30 s resend limit: tests enroll back to back). */
export async function startOktaSim(
  apiToken: string,
  extraEnv: Record<string, string> = {},
): Promise<{ process: ManagedProcess; orgUrl: string }> {
  const port = await getFreePort();
  const orgUrl = `http://127.0.0.1:${port}`;
  const started = await startProcess({
    name: 'okta-sim',
    args: nodeServiceArgs(join(repoRoot(), 'services/okta-sim/src/main.ts')),
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      OKTA_SIM_API_TOKEN: apiToken,
      OKTA_SIM_RESEND_INTERVAL_SECONDS: '0',
      ...extraEnv,
    },
    ready: { url: `${orgUrl}/healthz` },
  });
  return { process: started, orgUrl };
}
