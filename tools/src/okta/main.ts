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
import { environmentTenants } from './tenants.ts';

const confirm = terminalConfirm();
const environment = readDevEnvironment();
// npm start gives hook-ingress the sandbox's client id unless one is configured: the command assumes the same.
if (environment.OKTA_HOOK_OAUTH_CLIENT_SECRET && !environment.OKTA_HOOK_OAUTH_CLIENT_ID) {
  environment.OKTA_HOOK_OAUTH_CLIENT_ID = SANDBOX_OAUTH_CLIENT_ID;
}
const sandbox = readSandboxOkta();
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    io: {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      ...(confirm ? { confirm } : {}),
    },
    tenants: environmentTenants(environment),
    ...(sandbox ? { sandbox } : {}),
  });
} catch (error) {
  process.stderr.write(`byot-okta: ${describeError(error)}\n`);
  process.exitCode = 1;
}
