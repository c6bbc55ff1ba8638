import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { parseTenantsText } from '../file/load.ts';
import { tenantPaths } from '../paths.ts';
import { envNameFor, isTenantId } from '../tenant.ts';

export interface AddTenantOptions {
  id: string;
  oktaOrg: string;
  /** Where Okta reaches byot; without it the printout uses a placeholder to replace. */
  publicBaseUrl?: string;
  /** Which hook authentication to prepare: OAuth 2.0 with byot's token endpoint (the MSP guide), the header, or both. */
  auth?: 'oauth' | 'header' | 'both';
  defaultRegion?: string;
  /** The customer's Twilio (sub)account and sender; placeholders to fill in otherwise. */
  twilioAccountSid?: string;
  twilioFromNumber?: string;
  /** An existing tenants file: refuse an id or org it already has. */
  existingFile?: { path: string; text: string };
}

export type AddTenantResult = { ok: true; text: string } | { ok: false; problems: string[] };

/**
 * `npm run tenants -- add ID --okta-org URL`: a new tenant's block for the tenants file, with freshly generated
 * secrets kept out of the file (referenced as `${ID_…}`, printed as lines for the secret store), and the values
 * to paste into Okta's inline-hook form. The block is checked with the same loader the services use before it is
 * printed, so what comes out is valid once the placeholders are filled in.
 */
export function addTenant(options: AddTenantOptions): AddTenantResult {
  const { id } = options;
  if (!isTenantId(id)) {
    return { ok: false, problems: [`"${id}" is not a valid tenant id: use [a-z0-9][a-z0-9-]{0,39}`] };
  }
  const auth = options.auth ?? 'both';
  const withHeader = auth !== 'oauth';
  const withOAuth = auth !== 'header';
  const name = (suffix: string) => envNameFor(id, suffix);
  const secrets: Record<string, string> = {
    ...(withHeader ? { [name('HOOK_SECRET')]: generated() } : {}),
    ...(withOAuth ? { [name('OAUTH_SECRET')]: generated() } : {}),
    [name('ADMIN_TOKEN')]: generated(),
  };
  const toFill: Record<string, string> = {
    ...(options.twilioAccountSid
      ? {}
      : { [name('TWILIO_ACCOUNT_SID')]: 'AC… (the customer’s Twilio subaccount)' }),
    [name('TWILIO_TOKEN')]: '… (that account’s auth token)',
    ...(options.twilioFromNumber ? {} : { [name('TWILIO_FROM_NUMBER')]: '+1… (its sender number)' }),
  };
  const clientId = `${id}-okta`;
  const ref = (suffix: string) => `"\${${name(suffix)}}"`;
  const block = [
    `  ${id}:`,
    `    oktaOrg: ${options.oktaOrg}`,
    '    hookAuth:',
    ...(withHeader ? [`      header: { name: authorization, value: ${ref('HOOK_SECRET')} }`] : []),
    ...(withOAuth
      ? ['      oauthClients:', `        - { clientId: ${clientId}, clientSecret: ${ref('OAUTH_SECRET')} }`]
      : []),
    `    adminToken: ${ref('ADMIN_TOKEN')}`,
    `    defaultRegion: ${options.defaultRegion ?? 'US'}`,
    '    sms: [twilio]',
    '    voice: [twilio]',
    `    twilio: { accountSid: ${options.twilioAccountSid ? `"${options.twilioAccountSid}"` : ref('TWILIO_ACCOUNT_SID')}, authToken: ${ref('TWILIO_TOKEN')}, fromNumber: ${options.twilioFromNumber ? `"${options.twilioFromNumber}"` : ref('TWILIO_FROM_NUMBER')} }`,
  ].join('\n');

  const problems = validate(block, secrets, toFill, options);
  if (problems.length > 0) return { ok: false, problems };

  const base = options.publicBaseUrl?.replace(/\/+$/, '') ?? 'https://byot.example.com';
  const paths = tenantPaths(base, id);
  const okta = [
    `In ${options.oktaOrg}: Workflow → Inline Hooks → Add Inline Hook → Telephony`,
    `  Name:                   byot`,
    `  URL:                    ${paths.hook}`,
    ...(withOAuth
      ? [
          '  Authentication:         OAuth 2.0, Client Secret',
          `    Client ID:            ${clientId}`,
          `    Client Secret:        ${secrets[name('OAUTH_SECRET')]}`,
          `    Token URL:            ${paths.tokenUrl}`,
          // The scope byot's token endpoint grants (issue 12); Okta may also leave it empty.
          '    Scope:                byot.telephony',
        ]
      : []),
    ...(withHeader
      ? [
          withOAuth ? '  Or HTTP header:' : '  Authentication:         HTTP header',
          '    Authentication field: Authorization',
          `    Authentication secret: ${secrets[name('HOOK_SECRET')]}`,
        ]
      : []),
    `Support staff of this customer: GET ${paths.deliveries}/{eventId} and ${base}/v1/usage?from=…&to=… with`,
    `  Authorization: Bearer <${name('ADMIN_TOKEN')}>`,
  ];
  const text = [
    `# 1. Add under "tenants:" in the tenants file:`,
    block,
    '',
    '# 2. Put these in the environment of hook-ingress and the workers (a Kubernetes Secret, your vault):',
    ...Object.entries(secrets).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(toFill).map(([k, hint]) => `${k}=   # fill in: ${hint}`),
    '',
    '# 3. Then `npm run tenants -- check FILE`, and reload (SIGHUP, or just save the file: it is picked up within seconds).',
    '',
    '# 4. Okta:',
    ...okta.map((line) => `#   ${line}`),
    ...(options.publicBaseUrl
      ? []
      : ['#   (replace https://byot.example.com with your PUBLIC_BASE_URL, or pass --public-base-url)']),
    '',
  ].join('\n');
  return { ok: true, text };
}

function generated(): string {
  return randomBytes(32).toString('base64url');
}

/** Runs the block (plus any existing file) through the services' own loader, placeholders filled with samples. */
function validate(
  block: string,
  secrets: Record<string, string>,
  toFill: Record<string, string>,
  options: AddTenantOptions,
): string[] {
  const samples: Record<string, string> = {
    [envNameFor(options.id, 'TWILIO_ACCOUNT_SID')]: `AC${'0'.repeat(32)}`,
    [envNameFor(options.id, 'TWILIO_TOKEN')]: '0'.repeat(32),
    [envNameFor(options.id, 'TWILIO_FROM_NUMBER')]: '+15005550006',
  };
  const env = { ...secrets, ...Object.fromEntries(Object.keys(toFill).map((k) => [k, samples[k] ?? ''])) };
  const alone = parseTenantsText(`tenants:\n${block}\n`, { env, baseDir: process.cwd() });
  if (!alone.ok) return alone.problems;
  const existing = options.existingFile;
  if (!existing) return [];
  const tenants = tenantsOfExisting(existing.text);
  const problems: string[] = [];
  if (tenants.some((t) => t.id === options.id))
    problems.push(`${existing.path} already has a tenant "${options.id}"`);
  const org = new URL(options.oktaOrg).origin;
  const owner = tenants.find((t) => t.org === org);
  if (owner) problems.push(`${existing.path}: tenant "${owner.id}" already serves ${org}`);
  return problems;
}

/** Tenant ids and Okta orgs of an existing file, read without substitution (its secrets may not be set here). */
function tenantsOfExisting(text: string): Array<{ id: string; org?: string }> {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch {
    return []; // a broken file is `check`'s business
  }
  const tenants = (parsed as { tenants?: unknown } | null)?.tenants;
  if (typeof tenants !== 'object' || tenants === null) return [];
  return Object.entries(tenants as Record<string, unknown>).map(([id, settings]) => {
    const org = (settings as { oktaOrg?: unknown } | null)?.oktaOrg;
    try {
      return typeof org === 'string' ? { id, org: new URL(org).origin } : { id };
    } catch {
      return { id };
    }
  });
}
