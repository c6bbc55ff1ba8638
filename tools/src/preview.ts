/**
 * Plays Okta's "Preview" tab: sends one realistic, authenticated telephony hook and prints what Okta would make
 * of the answer. Like Okta's Preview, it is real: the code is sent (to the simulator in the sandbox).
 *
 *   npm run preview -- --phone +14155550123 [--channel sms|voice] [--type mfa|enrollment|unlock|password-reset]
 *                      [--locale en-US] [--url http://127.0.0.1:8080] [--otp 123456] [--auth header|oauth]
 *                      [--tenant ID]
 *
 * --tenant plays that tenant's Okta org (issue 13): its hook path, its header secret or OAuth client, a `source`
 * inside its org — read from the tenants file npm start runs with (TENANTS_FILE, or the sandbox's
 * .data/tenants.yaml). Without it: the `default` tenant, on today's unprefixed path.
 * --auth oauth plays Okta's OAuth 2.0 mode: it first fetches an access token from byot's token endpoint with
 * client_secret_post (OKTA_HOOK_OAUTH_CLIENT_ID / _SECRET), then calls the hook with it, and prints both steps.
 */
import { parseArgs } from 'node:util';
import {
  describeOktaReading,
  type OktaRequestType,
  oktaTelephonyRequestSchema,
  readOktaAnswer,
} from '@byot/contracts';
import { DEFAULT_TENANT_ID, loadTenantsFile, type Tenant } from '@byot/tenancy';
import { oktaHookRequest, randomOtp, requestToken } from '@byot/testkit';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { loadDevEnvironment, SANDBOX_OAUTH_CLIENT_ID, tenantsFileEnv, tenantsFileOf } from './dev-env.ts';

const REQUEST_TYPES: Record<string, OktaRequestType> = {
  mfa: 'com.okta.user.telephony.mfa-verification',
  enrollment: 'com.okta.user.telephony.pre-enrollment',
  unlock: 'com.okta.user.telephony.account-unlock',
  'password-reset': 'com.okta.user.telephony.password-reset',
};

const { values } = parseArgs({
  options: {
    phone: { type: 'string' },
    channel: { type: 'string', default: 'sms' },
    type: { type: 'string', default: 'mfa' },
    locale: { type: 'string', default: 'en-US' },
    url: { type: 'string' },
    otp: { type: 'string' },
    auth: { type: 'string', default: 'header' },
    tenant: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help || !values.phone) {
  process.stderr.write(
    'usage: npm run preview -- --phone +14155550123 [--channel sms|voice] [--type mfa|enrollment|unlock|password-reset] [--locale en-US] [--url URL] [--otp 123456] [--auth header|oauth] [--tenant ID]\n',
  );
  process.exit(values.help ? 0 : 2);
}
const requestType = REQUEST_TYPES[values.type ?? 'mfa'];
if (!requestType) {
  process.stderr.write(`--type must be one of ${Object.keys(REQUEST_TYPES).join(', ')}\n`);
  process.exit(2);
}

if (values.auth !== 'header' && values.auth !== 'oauth') {
  process.stderr.write('--auth must be header or oauth\n');
  process.exit(2);
}

const env = loadDevEnvironment();
const baseUrl = values.url ?? `http://127.0.0.1:${env.PORT ?? '8080'}`;
const tenant = tenantOf(values.tenant);
const tenantId = tenant?.id ?? DEFAULT_TENANT_ID;
const hookPath = tenantId === DEFAULT_TENANT_ID ? '/v1/okta/telephony' : `/v1/okta/telephony/${tenantId}`;
const authHeaders =
  values.auth === 'oauth' ? await oauthStep() : tenant ? tenantHeaderSecret(tenant) : headerSecret();

/**
 * The tenant to play, from the tenants file the system runs with. Without a file only `default` exists (the
 * environment describes it); without --tenant, `default` is used from the file when it has one.
 */
function tenantOf(id: string | undefined): Tenant | undefined {
  const file = tenantsFileOf(env);
  if (file === undefined) {
    if (id === undefined || id === DEFAULT_TENANT_ID) return undefined;
    fail(`--tenant ${id}: no tenants file (TENANTS_FILE, or start the sandbox once: npm start)`);
  }
  const loaded = loadTenantsFile(file, { env: tenantsFileEnv(env) });
  if (!loaded.ok) fail(`${file} is not valid: ${loaded.problems.join('; ')}`);
  const found = loaded.config.tenants.get(id ?? DEFAULT_TENANT_ID);
  if (!found && id !== undefined) {
    fail(`--tenant ${id}: not in ${file} (it has ${[...loaded.config.tenants.keys()].join(', ')})`);
  }
  return found;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function tenantHeaderSecret(t: Tenant): Record<string, string> {
  if (!t.hookAuth.header) fail(`tenant ${t.id} has no header secret (hookAuth.header): try --auth oauth`);
  return { [t.hookAuth.header.name]: t.hookAuth.header.value };
}

/** The OAuth client to play Okta with: the tenant's first client with a secret, else the environment's. */
function oauthClient(): { clientId: string; clientSecret: string | undefined } {
  if (tenant) {
    const client = tenant.hookAuth.oauthClients.find((c) => c.clientSecret !== undefined);
    if (!client) fail(`tenant ${tenant.id} has no OAuth client with a client secret (hookAuth.oauthClients)`);
    return { clientId: client.clientId, clientSecret: client.clientSecret };
  }
  return {
    clientId: env.OKTA_HOOK_OAUTH_CLIENT_ID ?? SANDBOX_OAUTH_CLIENT_ID,
    clientSecret: env.OKTA_HOOK_OAUTH_CLIENT_SECRET,
  };
}

/** Okta's header scheme: the configured header, the exact secret. */
function headerSecret(): Record<string, string> {
  const secret = env.OKTA_HOOK_AUTH_SECRET;
  if (!secret) {
    process.stderr.write(
      'OKTA_HOOK_AUTH_SECRET is not set (and no .data/dev-secrets.env): start the system once first.\n',
    );
    process.exit(2);
  }
  return { [env.OKTA_HOOK_AUTH_HEADER ?? 'authorization']: secret };
}

/**
 * Okta's OAuth 2.0 scheme, step 1: a client-credentials token from byot's token endpoint (client_secret_post, as
 * Okta's "Client Secret" mode sends it). The token's header and claims are shown; the token itself never is.
 */
async function oauthStep(): Promise<Record<string, string>> {
  const { clientId, clientSecret } = oauthClient();
  if (!clientSecret) {
    process.stderr.write(
      'OKTA_HOOK_OAUTH_CLIENT_SECRET is not set: start the system once first (npm start).\n',
    );
    process.exit(2);
  }
  const tokenUrl = `${values.url ?? env.PUBLIC_BASE_URL ?? baseUrl}/oauth2/${tenantId}/v1/token`;
  process.stdout.write(
    `1. POST ${tokenUrl}  (grant_type=client_credentials, client_secret_post, client_id=${clientId})\n`,
  );
  let answer: Awaited<ReturnType<typeof requestToken>>;
  try {
    answer = await requestToken({ tokenUrl, clientId, clientSecret });
  } catch (error) {
    process.stdout.write(`   no answer (${(error as Error).message}): Okta would fail the hook call\n`);
    process.exit(1);
  }
  process.stdout.write(
    `   HTTP ${answer.status} in ${Math.round(answer.ms)} ms, Cache-Control: ${answer.cacheControl}\n`,
  );
  const token = answer.body.access_token;
  if (answer.status !== 200 || !token) {
    process.stdout.write(
      `   ${JSON.stringify(answer.body)}\n   Okta would: get no token, skip the hook and send the code itself` +
        (answer.status === 404 ? ' (is OAuth on? OKTA_HOOK_OAUTH_CLIENT_ID and OKTA_HOOK_AUTH=oauth)' : '') +
        '\n',
    );
    process.exit(1);
  }
  const { access_token: _token, ...rest } = answer.body;
  process.stdout.write(`   ${JSON.stringify(rest)}\n`);
  process.stdout.write(
    `   token header ${JSON.stringify(decodeProtectedHeader(token))}\n   token claims ${JSON.stringify(decodeJwt(token))}\n`,
  );
  process.stdout.write('2. the hook, with Authorization: Bearer <that token>\n');
  return { authorization: `Bearer ${token}` };
}

const otpCode = values.otp ?? randomOtp(6);
const body = oktaHookRequest({
  phoneNumber: values.phone,
  deliveryChannel: values.channel === 'voice' ? 'voice call' : 'SMS',
  otpCode,
  requestType,
  locale: values.locale ?? 'en-US',
  // A tenant's hooks must come from its own Okta org (`oktaOrg`), as Okta's do.
  ...(tenant?.oktaOrg ? { source: `${tenant.oktaOrg}/api/v1/inlineHooks/preview` } : {}),
});
// Okta's Preview tab marks its calls with this URL; so do we.
const previewBody = oktaTelephonyRequestSchema.parse(body);
if (previewBody.data.context?.request?.url) {
  previewBody.data.context.request.url.value =
    '/api/internal/v1/inlineHooks/com.okta.telephony.provider/generatePreview';
}

const started = performance.now();
let status: number;
let answer: unknown;
try {
  const response = await fetch(`${baseUrl}${hookPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeaders },
    body: JSON.stringify(previewBody),
    signal: AbortSignal.timeout(3_000),
  });
  status = response.status;
  const text = await response.text();
  try {
    answer = JSON.parse(text);
  } catch {
    answer = text;
  }
} catch (error) {
  const elapsed = Math.round(performance.now() - started);
  process.stdout.write(
    `No answer within Okta's 3 s window (${elapsed} ms: ${(error as Error).message}).\nOkta would: skip the hook and send the code through its own providers.\n`,
  );
  process.exit(1);
}
const elapsed = Math.round(performance.now() - started);

process.stdout.write(`POST ${baseUrl}${hookPath}  tenant=${tenantId}  eventId=${previewBody.eventId}\n`);
process.stdout.write(`HTTP ${status} in ${elapsed} ms\n${JSON.stringify(answer, null, 2)}\n`);
process.stdout.write(`Okta would: ${describeOktaReading(readOktaAnswer(status, answer))}\n`);
