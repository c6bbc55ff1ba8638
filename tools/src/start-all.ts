/**
 * Starts the whole system on one machine, for a first look and for local work:
 *   Redis (a local redis-server with AOF under .data/redis, unless REDIS_URL is set), the provider simulator,
 *   hook-ingress, the workers and the Okta simulator (the customer's org, for `npm run okta` and sign-ins), with
 *   readable logs, until Ctrl-C.
 *
 *   npm start
 *
 * Every service reads the same environment (process env > .env > generated .data/dev-secrets.env). The system is
 * built by the one launcher the tests use too (@byot/testkit launchSystem), in its `dev` profile (dev-env.ts).
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadTenantsFile } from '@byot/tenancy';
import {
  handOverSignals,
  type LaunchedSystem,
  launchSystem,
  SANDBOX_CONSOLE_PEOPLE,
  type SystemTenant,
  tenantVariable,
} from '@byot/testkit';
import {
  DATA_DIR,
  devPorts,
  devSystemOptions,
  loadDevEnvironment,
  REPO_ROOT,
  SANDBOX_COUNTRIES,
  SANDBOX_OAUTH_CLIENT_ID,
  SANDBOX_OKTA_FILE,
  tenantsFileEnv,
} from './dev-env.ts';
import { formatLogLine } from './log-format.ts';

const env = loadDevEnvironment();
const color = process.stdout.isTTY === true && !env.NO_COLOR;
const ports = devPorts(env);
let system: LaunchedSystem | undefined;
let stopping = false;

// A reader that went away (`npm start | head`) must not crash the launcher mid-shutdown and leave children running.
process.stdout.on('error', () => {});

function say(line: string): void {
  process.stdout.write(`${formatLogLine('byot', JSON.stringify({ level: 'info', msg: line }), color)}\n`);
}

/**
 * Ctrl-C (or SIGTERM): the launcher stops everything in order — the ingress, then the workers drain while Redis
 * is still up, then the simulators and Redis. The children lead their own process groups, so a terminal's Ctrl-C
 * reaches only this process and nothing is stopped out of order (Redis going first made the workers wait out
 * their whole drain deadline).
 */
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  const started = Date.now();
  await system?.stop();
  say(`stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(code);
}

handOverSignals();
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  const options = devSystemOptions(env);
  if (!env.REDIS_URL)
    say(
      `starting redis-server on 127.0.0.1:${ports.redis} (data in ${relative(REPO_ROOT, join(DATA_DIR, 'redis')) || DATA_DIR}, AOF on)`,
    );
  else say('using Redis at REDIS_URL (not starting one)');
  system = await launchSystem({
    ...options,
    onLine: (service, line) => process.stdout.write(`${formatLogLine(service, line, color)}\n`),
  });
  for (const service of system.all()) {
    void service.exited.then((exit) => {
      if (stopping) return;
      say(`${service.name} exited (${exit.signal ?? exit.code}); stopping everything`);
      void shutdown(1);
    });
  }
  const simUrl = system.simUrl;
  const oktaUrl = system.oktaUrl as string;
  const publicBaseUrl = env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${ports.ingress}`;
  const oauthClientId = env.OKTA_HOOK_OAUTH_CLIENT_ID ?? SANDBOX_OAUTH_CLIENT_ID;
  // Where `npm run okta` finds the sandbox's org when no OKTA_ORG_URL is given.
  writeFileSync(
    SANDBOX_OKTA_FILE,
    `# Written by npm start: the sandbox's Okta org (okta-sim). Not for production.\nOKTA_ORG_URL="${oktaUrl}"\nOKTA_API_TOKEN="${env.OKTA_SIM_API_TOKEN ?? ''}"\n`,
    { mode: 0o600 },
  );

  const hookUrl = `http://127.0.0.1:${ports.ingress}/v1/okta/telephony`;
  const secretsFile = relative(REPO_ROOT, join(DATA_DIR, 'dev-secrets.env'));
  process.stdout.write(
    [
      '',
      'byot is running (sandbox: codes go to the provider simulator, not to phones).',
      `  Okta hook:    POST ${hookUrl}`,
      `  Auth header:  ${env.OKTA_HOOK_AUTH_HEADER ?? 'authorization'}: ${env.OKTA_HOOK_AUTH_SECRET ?? '(OKTA_HOOK_AUTH_SECRET)'}`,
      "  OAuth 2.0 (Okta's hook form, Authentication: OAuth 2.0, client secret):",
      `    Client ID:     ${oauthClientId}`,
      `    Client Secret: ${env.OKTA_HOOK_OAUTH_CLIENT_SECRET ?? '(OKTA_HOOK_OAUTH_CLIENT_SECRET)'}`,
      `    Token URL:     ${publicBaseUrl}/oauth2/default/v1/token`,
      `    (sandbox values, generated into ${secretsFile}; try it: npm run preview -- --phone +14155550123 --auth oauth)`,
      `  Inbox:        ${simUrl}/   (the simulated phone: every SMS and call lands here)`,
      `  Try it:       npm run preview -- --phone +14155550123`,
      `  By voice:     npm run preview -- --phone +14155550123 --channel voice --locale fr-FR`,
      `  Delivery:     curl -H "Authorization: Bearer $ADMIN_TOKEN" http://127.0.0.1:${ports.ingress}/v1/deliveries/<eventId>`,
      `                (ADMIN_TOKEN in ${secretsFile}; the ledger: attempts, receipts, delivery latency)`,
      `  Console:      http://127.0.0.1:${ports.admin}/console   (support console: deliveries, search, providers, blocks, usage)`,
      ...(env.CONSOLE_OIDC_ISSUER
        ? []
        : [
            `                Sign in with Okta (okta-sim): ${SANDBOX_CONSOLE_PEOPLE.map((p) => `${p.login} (${p.role})`).join(', ')}`,
          ]),
      `                or with the token: the value of ADMIN_TOKEN in ${secretsFile}, without the quotes`,
      `  Fraud:        npm run preview -- --phone +448712345678   (premium rate: FAILED, nothing sent; countries ${env.ALLOWED_COUNTRIES ?? SANDBOX_COUNTRIES})`,
      `                curl -H "Authorization: Bearer $ADMIN_TOKEN" http://127.0.0.1:${ports.ingress}/v1/blocks   (holds, limited numbers)`,
      `  Okta org:     ${oktaUrl}  (okta-sim: the customer's org; its token in ${relative(REPO_ROOT, SANDBOX_OKTA_FILE)})`,
      `  Set it up:    npm run okta -- setup --hook-url ${hookUrl} --user test.user@example.com`,
      `  Sign in:      ${oktaUrl}/sandbox   (enroll a phone as test.user@example.com, read the code in the inbox, verify)`,
      `  Failover:     curl -X PUT ${simUrl}/sim/faults/twilio -H 'content-type: application/json' -d '{"down":true}'`,
      `                (then preview again: Vonage delivers; curl -X DELETE ${simUrl}/sim/faults/twilio to restore)`,
      ...tenantLines(system, secretsFile),
      '  Stop:         Ctrl-C',
      '',
    ].join('\n'),
  );
} catch (error) {
  process.stderr.write(`could not start byot: ${(error as Error).message}\n`);
  await shutdown(1);
}

/**
 * The banner's tenants: the sandbox's demo orgs with everything Okta's hook form asks for (sandbox values, as the
 * default tenant's above), or, with the operator's own TENANTS_FILE, only its tenant ids (its secrets stay put).
 */
function tenantLines(running: LaunchedSystem, secretsFile: string): string[] {
  if (running.tenants.length > 0) {
    const file = relative(REPO_ROOT, running.tenantsFile ?? '');
    return [
      `  Tenants:      default (everything above) and ${running.tenants.length} customer orgs, from ${file}; the inbox`,
      '                shows which tenant and Twilio account sent each message',
      ...running.tenants.flatMap((tenant) => demoTenantLines(tenant, secretsFile)),
    ];
  }
  if (!env.TENANTS_FILE) return [];
  const loaded = loadTenantsFile(env.TENANTS_FILE, { env: tenantsFileEnv(env) });
  const ids = loaded.ok ? [...loaded.config.tenants.keys()].join(', ') : "(invalid: see the services' logs)";
  return [
    `  Tenants:      ${ids}, from TENANTS_FILE ${env.TENANTS_FILE}`,
    `                hook POST ${hookBase()}/{tenant}; try: npm run preview -- --tenant ID --phone +14155550123`,
  ];
}

function demoTenantLines(tenant: SystemTenant, secretsFile: string): string[] {
  const pad = (label: string) => `    ${label.padEnd(14)}`;
  return [
    `  ${`${tenant.id}:`.padEnd(14)}POST ${tenant.hookUrl}   (Okta org ${tenant.oktaOrg})`,
    `${pad('Auth header:')}${tenant.hookHeader}: ${tenant.hookSecret}`,
    `${pad('OAuth 2.0:')}Client ID ${tenant.oauthClientId}, Client Secret ${tenant.oauthClientSecret}`,
    `${pad('Token URL:')}${tenant.tokenUrl}`,
    `${pad('Twilio:')}subaccount ${tenant.twilio.accountSid}, from ${tenant.twilio.fromNumber}`,
    `${pad('Admin token:')}${tenantVariable(tenant.id, 'ADMIN_TOKEN')} in ${secretsFile} (its own deliveries and usage)`,
    `${pad('Try it:')}npm run preview -- --tenant ${tenant.id} --phone +14155550123 [--auth oauth]`,
  ];
}

function hookBase(): string {
  return `http://127.0.0.1:${ports.ingress}/v1/okta/telephony`;
}
