/**
 * The launcher's tenants (issue 13): an MSP's deployment in the sandbox. With `tenants` the system runs from a
 * TENANTS_FILE holding the `default` tenant — the environment's accounts and secrets, on today's unprefixed paths,
 * so every single-org client keeps working — and demo customer orgs beside it, each with its own hook secret,
 * OAuth client, admin token and Twilio subaccount on the simulator (SIM_TWILIO_SUBACCOUNTS), sharing the
 * Vonage backup. The file references every secret as `${NAME}`; the values travel in the processes' environment.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_OKTA_ORG } from './okta.ts';
import type { SystemEndpoints } from './system-client.ts';
import { type DemoTenant, demoTenants, demoTenantsFile, simSubaccounts } from './tenants.ts';

export interface SystemTenantsOptions {
  /** Demo tenants by id (fresh secrets per launch), unless `demo` gives them. Default acme and globex. */
  ids?: readonly string[];
  /** The demo tenants themselves (npm start: this checkout's stable secrets). */
  demo?: readonly DemoTenant[];
  /** Where the tenants file is written (default: a fresh temporary folder). */
  dir?: string;
}

/** One demo tenant of a running system, and how to reach it as its Okta org would. */
export interface SystemTenant extends DemoTenant {
  /** `POST` here: `{ingress}/v1/okta/telephony/{id}`. */
  hookUrl: string;
  /** Okta's Token URL for the tenant's OAuth client: `{PUBLIC_BASE_URL}/oauth2/{id}/v1/token`. */
  tokenUrl: string;
  /** A `source` inside the tenant's Okta org, for the hook body. */
  source: string;
  /** The tenant's view of the system, for sendHook and the delivery lookup (its own admin token). */
  endpoints: SystemEndpoints;
}

export interface TenantsPlan {
  file: string;
  /** The variables the file references (the default tenant's are the launch's own, already present). */
  env: Record<string, string>;
  /** For the simulator. */
  simEnv: Record<string, string>;
  /** The `default` tenant's Okta org (its hooks' `source` must lie there). */
  defaultOktaOrg: string;
  /** Once the ingress URL is known. */
  tenants(at: { ingressUrl: string; publicBaseUrl: string; simUrl: string }): SystemTenant[];
}

export interface DefaultTenantInputs {
  /** Every process's environment (the launch's env with the credentials): what the default tenant is. */
  env: Record<string, string>;
  /** The ingress's extra settings (hook auth schemes, OAuth client id, provider order). */
  ingressEnv: Record<string, string>;
  failover: boolean;
  /** The okta-sim's URL when it runs: the default tenant's org. Otherwise the test hooks' org. */
  oktaSimUrl?: string;
}

export function planTenants(options: SystemTenantsOptions, inputs: DefaultTenantInputs): TenantsPlan {
  const demo = options.demo ?? demoTenants(options.ids ?? ['acme', 'globex']);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'byot-tenants-'));
  const defaultOktaOrg = inputs.oktaSimUrl ?? TEST_OKTA_ORG;
  const env = inputs.env;
  const vonageVoice = inputs.failover && env.VONAGE_APPLICATION_ID !== undefined;
  const { yaml, env: demoEnv } = demoTenantsFile(
    demo,
    inputs.failover
      ? {
          vonage: {
            apiKey: env.VONAGE_API_KEY as string,
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the tenants file's substitution syntax
            apiSecret: '${VONAGE_API_SECRET}',
            fromNumber: env.VONAGE_FROM_NUMBER as string,
            ...(vonageVoice
              ? {
                  applicationId: env.VONAGE_APPLICATION_ID as string,
                  privateKeyVariable: 'VONAGE_PRIVATE_KEY',
                }
              : {}),
            ...(env.VONAGE_SIGNATURE_SECRET ? { signatureSecretVariable: 'VONAGE_SIGNATURE_SECRET' } : {}),
          },
        }
      : {},
  );
  const file = join(dir, 'tenants.yaml');
  writeFileSync(file, `${yaml}${defaultTenantBlock(inputs, defaultOktaOrg)}`, { mode: 0o600 });
  return {
    file,
    env: demoEnv,
    simEnv: { SIM_TWILIO_SUBACCOUNTS: simSubaccounts(demo) },
    defaultOktaOrg,
    tenants: ({ ingressUrl, publicBaseUrl, simUrl }) =>
      demo.map((tenant) => {
        const hookUrl = `${ingressUrl}/v1/okta/telephony/${tenant.id}`;
        return {
          ...tenant,
          hookUrl,
          tokenUrl: `${publicBaseUrl}/oauth2/${tenant.id}/v1/token`,
          source: `${tenant.oktaOrg}/api/v1/inlineHooks/cal${tenant.id}`,
          endpoints: {
            hookUrl,
            hookSecret: tenant.hookSecret,
            simUrl,
            ingressUrl,
            adminToken: tenant.adminToken,
          },
        };
      }),
  };
}

/**
 * The `default` tenant as the environment describes it (tenancy's environment tenant, written out): the hook
 * header, the OAuth client when OAuth is on, the main Twilio account and, with failover, the Vonage backup.
 */
function defaultTenantBlock(inputs: DefaultTenantInputs, oktaOrg: string): string {
  const env = { ...inputs.env, ...inputs.ingressEnv };
  const schemes = (env.OKTA_HOOK_AUTH ?? 'header').split(',').map((s) => s.trim());
  const sms = env.SMS_PROVIDERS ?? (inputs.failover ? 'twilio,vonage' : 'twilio');
  const voice = env.VOICE_PROVIDERS ?? (inputs.failover ? 'twilio,vonage' : 'twilio');
  const list = (csv: string) =>
    `[${csv
      .split(',')
      .map((s) => s.trim())
      .join(', ')}]`;
  const ref = (name: string) => `"\${${name}}"`;
  const lines = [
    // The environment's own tenant: today's unprefixed paths, today's keys.
    '  default:',
    `    oktaOrg: ${oktaOrg}`,
    '    hookAuth:',
    ...(schemes.includes('header')
      ? [
          `      header: { name: ${env.OKTA_HOOK_AUTH_HEADER ?? 'authorization'}, value: ${ref('OKTA_HOOK_AUTH_SECRET')} }`,
        ]
      : []),
    ...(schemes.includes('oauth') && env.OKTA_HOOK_OAUTH_CLIENT_ID && env.OKTA_HOOK_OAUTH_CLIENT_SECRET
      ? [
          `      oauthClients: [{ clientId: ${env.OKTA_HOOK_OAUTH_CLIENT_ID}, clientSecret: ${ref('OKTA_HOOK_OAUTH_CLIENT_SECRET')} }]`,
        ]
      : []),
    `    defaultRegion: ${env.DEFAULT_PHONE_REGION ?? 'US'}`,
    `    sms: ${list(sms)}`,
    `    voice: ${list(voice)}`,
    `    twilio: { accountSid: "${env.TWILIO_ACCOUNT_SID}", authToken: ${ref('TWILIO_AUTH_TOKEN')}, fromNumber: "${env.TWILIO_FROM_NUMBER}" }`,
  ];
  if (inputs.failover) {
    lines.push(
      '    vonage:',
      `      apiKey: ${env.VONAGE_API_KEY}`,
      `      apiSecret: ${ref('VONAGE_API_SECRET')}`,
      `      fromNumber: "${env.VONAGE_FROM_NUMBER}"`,
      ...(env.VONAGE_APPLICATION_ID
        ? [
            `      applicationId: ${env.VONAGE_APPLICATION_ID}`,
            `      privateKey: ${ref('VONAGE_PRIVATE_KEY')}`,
          ]
        : []),
      ...(env.VONAGE_SIGNATURE_SECRET ? [`      signatureSecret: ${ref('VONAGE_SIGNATURE_SECRET')}`] : []),
    );
  }
  return `${lines.join('\n')}\n`;
}
