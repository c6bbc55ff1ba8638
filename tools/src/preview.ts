/**
 * Plays Okta's "Preview" tab: sends one realistic, authenticated telephony hook and prints what Okta would make
 * of the answer. Like Okta's Preview, it is real: the code is sent (to the simulator in the sandbox).
 *
 *   npm run preview -- --phone +14155550123 [--channel sms|voice] [--type mfa|enrollment|unlock|password-reset]
 *                      [--locale en-US] [--url http://127.0.0.1:8080] [--otp 123456] [--auth header|oauth]
 *
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
import { oktaHookRequest, randomOtp, requestToken } from '@byot/testkit';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { loadDevEnvironment, SANDBOX_OAUTH_CLIENT_ID } from './dev-env.ts';

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
    help: { type: 'boolean', default: false },
  },
});

if (values.help || !values.phone) {
  process.stderr.write(
    'usage: npm run preview -- --phone +14155550123 [--channel sms|voice] [--type mfa|enrollment|unlock|password-reset] [--locale en-US] [--url URL] [--otp 123456] [--auth header|oauth]\n',
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
const authHeaders = values.auth === 'oauth' ? await oauthStep() : headerSecret();

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
  const clientId = env.OKTA_HOOK_OAUTH_CLIENT_ID ?? SANDBOX_OAUTH_CLIENT_ID;
  const clientSecret = env.OKTA_HOOK_OAUTH_CLIENT_SECRET;
  if (!clientSecret) {
    process.stderr.write(
      'OKTA_HOOK_OAUTH_CLIENT_SECRET is not set: start the system once first (npm start).\n',
    );
    process.exit(2);
  }
  const tokenUrl = `${values.url ?? env.PUBLIC_BASE_URL ?? baseUrl}/oauth2/default/v1/token`;
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
  const response = await fetch(`${baseUrl}/v1/okta/telephony`, {
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

process.stdout.write(`POST ${baseUrl}/v1/okta/telephony  eventId=${previewBody.eventId}\n`);
process.stdout.write(`HTTP ${status} in ${elapsed} ms\n${JSON.stringify(answer, null, 2)}\n`);
process.stdout.write(`Okta would: ${describeOktaReading(readOktaAnswer(status, answer))}\n`);
