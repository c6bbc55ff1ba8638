/**
 * Baseline for benchmark 4: "the usual implementation" of Okta's telephony hook, as the public samples write it —
 * an Express handler that calls the Twilio SDK and awaits it inside the hook, then answers Okta with the result.
 * Deliberately not ours: SDK defaults (30 s client timeout, no queue, no budget), one provider, no idempotency.
 * The only change from a sample is that Twilio's origin is rewritten to the provider simulator.
 *
 * Env: PORT (required), HOST (default 127.0.0.1), TWILIO_API_BASE_URL (the simulator's Twilio listener),
 * TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER, OKTA_HOOK_AUTH_SECRET (the Authorization value).
 */
import express from 'express';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

const TWILIO_ORIGIN = 'https://api.twilio.com';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`twilio-sync baseline: ${name} is required`);
    process.exit(2);
  }
  return value;
}

const port = Number(required('PORT'));
const host = process.env.HOST ?? '127.0.0.1';
const apiBaseUrl = required('TWILIO_API_BASE_URL').replace(/\/+$/, '');
const from = required('TWILIO_FROM_NUMBER');
const secret = required('OKTA_HOOK_AUTH_SECRET');

/** SDK defaults in every respect but the origin (the SDK has no base-URL option, only this hook). */
class SimulatorRequestClient extends twilio.RequestClient {
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = opts.uri.startsWith(TWILIO_ORIGIN)
      ? apiBaseUrl + opts.uri.slice(TWILIO_ORIGIN.length)
      : opts.uri;
    return super.request<TData>({ ...opts, uri });
  }
}

const client = twilio(required('TWILIO_ACCOUNT_SID'), required('TWILIO_AUTH_TOKEN'), {
  httpClient: new SimulatorRequestClient(),
});

interface HookBody {
  data?: { messageProfile?: { phoneNumber?: string; otpCode?: string } };
}

const app = express();
app.use(express.json());
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/v1/okta/telephony', async (req, res) => {
  if (req.get('authorization') !== secret) {
    res.status(401).json({ error: { errorSummary: 'Unauthorized' } });
    return;
  }
  const profile = (req.body as HookBody).data?.messageProfile ?? {};
  try {
    const message = await client.messages.create({
      to: String(profile.phoneNumber),
      from,
      body: `Your verification code is ${profile.otpCode}`,
    });
    res.json({
      commands: [
        {
          type: 'com.okta.telephony.action',
          value: [{ status: 'SUCCESSFUL', provider: 'TWILIO', transactionId: message.sid }],
        },
      ],
    });
  } catch {
    res.status(200).json({
      commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'FAILED', provider: 'TWILIO' }] }],
    });
  }
});

const server = app.listen(port, host);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
