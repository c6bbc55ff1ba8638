import type { z } from 'zod';
import { type LoadOptions, loadTenantsFile } from '../file/load.ts';
import { tenantPaths } from '../paths.ts';
import type { Tenant } from '../tenant.ts';

export interface CheckResult {
  ok: boolean;
  /** What to print: the tenants and their paths, or every problem. Never a secret. */
  text: string;
}

/**
 * `npm run tenants -- check FILE`: validates a tenants file offline, exactly as a service would at start
 * (substitutions included: run it with the same environment, or `--env-file`), and prints what each tenant gets.
 */
export function checkTenantsFile(
  file: string,
  options: { env: NodeJS.ProcessEnv; policySchema?: z.ZodType; publicBaseUrl?: string },
): CheckResult {
  const loadOptions: LoadOptions = {
    env: options.env,
    ...(options.policySchema ? { policySchema: options.policySchema } : {}),
  };
  const result = loadTenantsFile(file, loadOptions);
  if (!result.ok) {
    return {
      ok: false,
      text: `${file}: ${result.problems.length} problem(s)\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`,
    };
  }
  const tenants = [...result.config.tenants.values()];
  const lines = tenants.map((t) => describeTenant(t, options.publicBaseUrl));
  return { ok: true, text: `${file}: valid, ${tenants.length} tenant(s)\n${lines.join('\n')}\n` };
}

function describeTenant(tenant: Tenant, publicBaseUrl = '{PUBLIC_BASE_URL}'): string {
  const auth = [
    tenant.hookAuth.header ? `header ${tenant.hookAuth.header.name}` : undefined,
    tenant.hookAuth.oauthClients.length > 0
      ? `oauth clients ${tenant.hookAuth.oauthClients.map((c) => c.clientId).join(', ')}`
      : undefined,
    tenant.hookAuth.oauthIssuer ? `issuer ${tenant.hookAuth.oauthIssuer.issuer}` : undefined,
  ].filter(Boolean);
  const paths = tenantPaths(publicBaseUrl, tenant.id);
  return [
    `  ${tenant.id}`,
    `    okta org      ${tenant.oktaOrg ?? '(any)'}`,
    `    hook          ${paths.hook}`,
    `    auth          ${auth.join('; ')}`,
    ...(tenant.hookAuth.oauthClients.length > 0 ? [`    token URL     ${paths.tokenUrl}`] : []),
    `    sms           ${tenant.sms.join(' → ')}${tenant.emailFallback === 'sendgrid' ? ' → e-mail' : ''}`,
    `    voice         ${tenant.voice.join(' → ')}`,
    ...(tenant.twilio ? [`    twilio        ${tenant.twilio.accountSid}`] : []),
    `    region        ${tenant.defaultRegion}`,
    `    admin token   ${tenant.adminToken ? 'yes (own deliveries and usage)' : 'no'}`,
    ...(tenant.policy ? [`    policy        ${Object.keys(tenant.policy).join(', ')}`] : []),
  ].join('\n');
}
