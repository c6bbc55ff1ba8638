#!/usr/bin/env -S node --conditions=byot-source
/**
 * byot-okta: the MSP guide's Okta set-up as one idempotent command (setup, verify, status, teardown), on Okta's
 * Management API through the official SDK.
 *
 *   npm run okta -- setup --hook-url https://byot.example.com/v1/okta/telephony --auth oauth --user test@acme.com
 */
import { readDevEnvironment, readSandboxOkta, SANDBOX_OAUTH_CLIENT_ID } from '../dev-env.ts';
import { runCli } from './cli.ts';
import { terminalConfirm } from './commands.ts';
import { describeError } from './output.ts';
import { environmentTenants, fileTenants, type TenantDirectory } from './tenants.ts';

const confirm = terminalConfirm();
const environment = readDevEnvironment();
// npm start gives hook-ingress the sandbox's client id unless one is configured: the command assumes the same.
if (environment.OKTA_HOOK_OAUTH_CLIENT_SECRET && !environment.OKTA_HOOK_OAUTH_CLIENT_ID) {
  environment.OKTA_HOOK_OAUTH_CLIENT_ID = SANDBOX_OAUTH_CLIENT_ID;
}
const sandbox = readSandboxOkta();
// With TENANTS_FILE, --tenant ID / --all-tenants read it (loaded on first use, so --help needs no valid file).
const tenantsFile = environment.TENANTS_FILE?.trim();
let tenants: TenantDirectory | undefined;
const directory = (): TenantDirectory =>
  (tenants ??= tenantsFile ? fileTenants(tenantsFile, environment) : environmentTenants(environment));
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    io: {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      ...(confirm ? { confirm } : {}),
    },
    tenants: {
      ids: () => directory().ids(),
      target: (id) => directory().target(id),
      describeGenerated: (id, blocks) => directory().describeGenerated(id, blocks),
    },
    ...(sandbox ? { sandbox } : {}),
  });
} catch (error) {
  process.stderr.write(`byot-okta: ${describeError(error)}\n`);
  process.exitCode = 1;
}
