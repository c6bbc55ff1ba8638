import express, { type Express, type Request, type Response, type Router } from 'express';
import { type InitialCallbacks, InitialCallbacksSchema } from './callbacks/callback-config.ts';
import { CallbackDispatcher, CallbackSettingsStore } from './callbacks/dispatcher.ts';
import { sendGridEventKey } from './callbacks/signing.ts';
import { downGate } from './faults/down-gate.ts';
import { type InitialFaults, InitialFaultsSchema } from './faults/fault-config.ts';
import { FaultController } from './faults/fault-controller.ts';
import { INBOX_HEADERS, renderInbox } from './inspect/inbox-page.ts';
import { createInspectionRouter } from './inspect/inspection-router.ts';
import { type Logger, silentLogger } from './lib/logger.ts';
import { type Channel, PROVIDER_NAMES, type ProviderName } from './providers.ts';
import {
  SANDBOX_SENDGRID_API_KEY,
  SANDBOX_TWILIO_ACCOUNT_SID,
  SANDBOX_TWILIO_AUTH_TOKEN,
  SANDBOX_VONAGE_API_KEY,
  SANDBOX_VONAGE_API_SECRET,
  SANDBOX_VONAGE_APPLICATION_ID,
} from './sandbox.ts';
import { createSendGridRouter } from './sendgrid/router.ts';
import { RecordStore } from './store/record-store.ts';
import type { AcceptedRecord, RejectedRecord } from './store/records.ts';
import { TwilioAccounts } from './twilio/accounts.ts';
import type { TwilioAccount } from './twilio/auth.ts';
import { createTwilioRouter } from './twilio/router.ts';
import { applicationPublicKeyFrom, type VonageAccount } from './vonage/auth.ts';
import { createVonageRouter } from './vonage/router.ts';

export interface SimulatorOptions {
  twilio?: {
    /** Default: the sandbox account AC000…0. Must match /^AC[0-9a-f]{32}$/. */
    accountSid?: string;
    /** Default: the sandbox token "sandbox-auth-token". */
    authToken?: string;
    /**
     * Subaccounts of that main account (an MSP's one per customer), each with its own SID and auth token; the
     * main account may suspend one through the Accounts API (POST /2010-04-01/Accounts/{sid}.json Status=…).
     */
    subaccounts?: ReadonlyArray<{ accountSid: string; authToken: string; friendlyName?: string }>;
    /** Latency of every Twilio request unless a fault sets latencyMs (the simulated network). Default 0. */
    baselineLatencyMs?: number;
  };
  vonage?: {
    /** SMS API credentials. Default: the sandbox pair "sandboxkey" / "sandbox-api-secret". */
    apiKey?: string;
    apiSecret?: string;
    /** The Voice application JWTs must name. Default: 00000000-0000-4000-8000-000000000000. */
    applicationId?: string;
    /**
     * The application's key, to verify Voice API JWTs: its private key (PEM, as the SDK is given) or its public
     * key. Without either, the Voice API answers every call 401 (the SMS API works regardless).
     */
    privateKey?: string;
    publicKey?: string;
    /** Signs delivery receipts and voice events when set. */
    signatureSecret?: string;
  };
  sendgrid?: {
    /** The API key clients must send as "Authorization: Bearer …". Default "SG.sandbox.sandbox-api-key". */
    apiKey?: string;
  };
  callbacks?: {
    /** Outcome mixes, delays, duplicates in force from the start, as SIM_CALLBACKS carries them. */
    initial?: InitialCallbacks;
    /** Host names callbacks may go to; "*" allows any. Default: localhost, 127.0.0.1, [::1]. */
    allowedHosts?: readonly string[];
    /** Where SendGrid events go (SIM_SENDGRID_EVENT_URL). Default: nowhere. */
    sendgridEventUrl?: string;
    /** PEM EC P-256 key SendGrid events are signed with. Default: a key generated at start. */
    sendgridEventPrivateKey?: string;
    /** Pauses between attempts of a callback that got no answer. Default [250, 1000]. */
    retryDelaysMs?: readonly number[];
    /** How long a callback waits for the client's answer. Default 5000 ms. */
    requestTimeoutMs?: number;
  };
  /** Faults in force from the start, as SIM_FAULTS carries them: { twilio: { errorRate: 0.1 } }. */
  initialFaults?: InitialFaults;
  /** Records kept in memory (oldest dropped first). Default 10 000. */
  maxRecords?: number;
  /** Randomness for fault decisions, in [0, 1). Default Math.random. */
  random?: () => number;
  /** Clock for record timestamps (epoch ms). Default Date.now. */
  now?: () => number;
  /** Default: silent. */
  logger?: Logger;
}

export interface Simulator {
  /** Everything: the providers, the inbox, /sim and /healthz. */
  app: Express;
  /**
   * One application per provider with only that provider's routes (and /healthz), for its dedicated listener
   * (SIM_TWILIO_PORT, …), which `down` closes.
   */
  providerApps: Readonly<Record<ProviderName, Express>>;
  logger: Logger;
  store: RecordStore;
  faults: FaultController;
  /** The credentials of the simulated Twilio's main account. */
  twilio: Readonly<TwilioAccount>;
  /** The main account and its subaccounts (status included). */
  twilioAccounts: TwilioAccounts;
  /** The credentials the simulated Vonage accepts; voiceEnabled is false when no application key is set. */
  vonage: Readonly<{
    apiKey: string;
    apiSecret: string;
    applicationId: string;
    signatureSecret: string | null;
    voiceEnabled: boolean;
  }>;
  /**
   * The API key the simulated SendGrid accepts, and the public key its event webhooks verify with (Base64 DER,
   * as SendGrid's settings show it).
   */
  sendgrid: Readonly<{ apiKey: string; eventPublicKey: string }>;
  /** Status callbacks: what was sent (list), reset (clear), waiting for quiet (idle). */
  callbacks: CallbackDispatcher;
  /** Outcome mixes per provider (PUT /sim/callbacks/:provider). */
  callbackSettings: CallbackSettingsStore;
  /**
   * Releases requests the simulator is holding (injected latency, hangRate) by destroying their sockets, so
   * that closing the HTTP server does not wait on them, and cancels every pending status callback. Call it
   * before `server.close()`; listenSimulator's close() does.
   */
  shutdown(): void;
}

const ACCOUNT_SID = /^AC[0-9a-f]{32}$/;
const INBOX_DELIVERED = 100;
const INBOX_REFUSED = 30;
const INBOX_CALLBACKS = 30;

/** Builds the simulator without listening: mount `app` on any HTTP server (see server.ts). */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const account: TwilioAccount = {
    accountSid: options.twilio?.accountSid ?? SANDBOX_TWILIO_ACCOUNT_SID,
    authToken: options.twilio?.authToken ?? SANDBOX_TWILIO_AUTH_TOKEN,
  };
  if (!ACCOUNT_SID.test(account.accountSid)) {
    throw new TypeError('twilio.accountSid must be "AC" followed by 32 lowercase hex digits');
  }
  if (account.authToken === '') throw new TypeError('twilio.authToken must not be empty');
  for (const sub of options.twilio?.subaccounts ?? []) {
    if (!ACCOUNT_SID.test(sub.accountSid)) {
      throw new TypeError('twilio.subaccounts[].accountSid must be "AC" followed by 32 lowercase hex digits');
    }
    if (sub.authToken === '') throw new TypeError('twilio.subaccounts[].authToken must not be empty');
  }
  const twilioAccounts = new TwilioAccounts(account, options.twilio?.subaccounts ?? []);

  const vonage = vonageAccount(options.vonage ?? {});
  const sendgrid = { apiKey: options.sendgrid?.apiKey ?? SANDBOX_SENDGRID_API_KEY };
  if (sendgrid.apiKey === '') throw new TypeError('sendgrid.apiKey must not be empty');

  const logger = options.logger ?? silentLogger;
  const store = new RecordStore({
    ...(options.maxRecords === undefined ? {} : { capacity: options.maxRecords }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const faults = new FaultController({
    initial: InitialFaultsSchema.parse(options.initialFaults ?? {}),
    baselineLatencyMs: { twilio: options.twilio?.baselineLatencyMs ?? 0 },
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  const shutdownController = new AbortController();

  const initialCallbacks = InitialCallbacksSchema.parse(options.callbacks?.initial ?? {});
  const callbackSettings = new CallbackSettingsStore(
    Object.fromEntries(Object.entries(initialCallbacks).filter(([, v]) => v !== undefined)),
  );
  const sendgridKey = sendGridEventKey(options.callbacks?.sendgridEventPrivateKey);
  const callbacks = new CallbackDispatcher({
    store,
    settings: callbackSettings,
    logger,
    wire: { twilio: twilioAccounts, vonage, sendgridKey },
    ...(options.callbacks?.sendgridEventUrl === undefined
      ? {}
      : { sendgridEventUrl: options.callbacks.sendgridEventUrl }),
    ...(options.callbacks?.allowedHosts === undefined
      ? {}
      : { allowedHosts: options.callbacks.allowedHosts }),
    ...(options.callbacks?.retryDelaysMs === undefined
      ? {}
      : { retryDelaysMs: options.callbacks.retryDelaysMs }),
    ...(options.callbacks?.requestTimeoutMs === undefined
      ? {}
      : { requestTimeoutMs: options.callbacks.requestTimeoutMs }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const onAccepted = (record: AcceptedRecord): void => callbacks.start(record);

  const shutdown = shutdownController.signal;
  const clock = options.now === undefined ? {} : { now: options.now };
  const gate = (provider: ProviderName, channelOf: (path: string) => Channel) =>
    downGate({ provider, faults, store, logger, channelOf });

  // Providers, each on the path its SDK uses, behind the gate that resets their connections while they are down.
  const providerRoutes: Record<ProviderName, Router> = {
    twilio: express.Router().use(
      '/2010-04-01',
      gate('twilio', (path) => (/\/Calls/.test(path) ? 'voice' : 'sms')),
      createTwilioRouter({ accounts: twilioAccounts, store, faults, logger, shutdown, onAccepted }),
    ),
    vonage: express
      .Router()
      .use(
        ['/sms', '/v1/calls'],
        gate('vonage', (path) => (path.startsWith('/sms') ? 'sms' : 'voice')),
      )
      .use(createVonageRouter({ account: vonage, store, faults, logger, shutdown, onAccepted })),
    sendgrid: express
      .Router()
      .use(
        '/v3',
        gate('sendgrid', () => 'email'),
      )
      .use(
        createSendGridRouter({ account: sendgrid, store, faults, logger, shutdown, onAccepted, ...clock }),
      ),
  };

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', health);
  for (const provider of PROVIDER_NAMES) app.use(providerRoutes[provider]);

  const providerApps = Object.fromEntries(
    PROVIDER_NAMES.map((provider) => {
      const providerApp = express();
      providerApp.disable('x-powered-by');
      providerApp.get('/healthz', health);
      providerApp.use(providerRoutes[provider]);
      providerApp.use((req: Request, res: Response) => {
        res
          .status(404)
          .json({ error: 'not_found', message: `No ${provider} route ${req.method} ${req.path}` });
      });
      return [provider, providerApp];
    }),
  ) as Record<ProviderName, Express>;

  app.use(
    '/sim',
    createInspectionRouter({
      store,
      faults,
      logger,
      callbacks,
      callbackSettings,
      sendgridEventPublicKey: sendgridKey.publicKeyBase64,
      twilioAccounts,
    }),
  );

  app.get('/', (_req: Request, res: Response) => {
    const recent = store.query({ outcome: 'any', limit: 1_000 }).reverse();
    const delivered = recent
      .filter((r): r is AcceptedRecord => r.outcome === 'accepted')
      .slice(0, INBOX_DELIVERED);
    const refused = recent
      .filter((r): r is RejectedRecord => r.outcome !== 'accepted')
      .slice(0, INBOX_REFUSED);
    res
      .set(INBOX_HEADERS)
      .type('html')
      .send(
        renderInbox({
          delivered,
          refused,
          stats: store.stats(),
          faults: faults.snapshot(),
          callbacks: callbacks.list({ limit: INBOX_CALLBACKS }).reverse(),
          accountName: (provider, accountSid) =>
            provider === 'twilio' ? twilioAccounts.get(accountSid)?.friendlyName : undefined,
        }),
      );
  });

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: `No route ${req.method} ${req.path}` });
  });

  return {
    app,
    providerApps,
    logger,
    store,
    faults,
    twilio: Object.freeze({ ...account }),
    twilioAccounts,
    vonage: Object.freeze({
      apiKey: vonage.apiKey,
      apiSecret: vonage.apiSecret,
      applicationId: vonage.applicationId,
      signatureSecret: vonage.signatureSecret,
      voiceEnabled: vonage.applicationPublicKey !== null,
    }),
    sendgrid: Object.freeze({ ...sendgrid, eventPublicKey: sendgridKey.publicKeyBase64 }),
    callbacks,
    callbackSettings,
    shutdown: () => {
      shutdownController.abort();
      callbacks.close();
    },
  };
}

function health(_req: Request, res: Response): void {
  res.json({ status: 'ok' });
}

function vonageAccount(options: NonNullable<SimulatorOptions['vonage']>): VonageAccount {
  const account: VonageAccount = {
    apiKey: options.apiKey ?? SANDBOX_VONAGE_API_KEY,
    apiSecret: options.apiSecret ?? SANDBOX_VONAGE_API_SECRET,
    applicationId: options.applicationId ?? SANDBOX_VONAGE_APPLICATION_ID,
    applicationPublicKey: null,
    signatureSecret: options.signatureSecret ?? null,
  };
  for (const [name, value] of Object.entries({
    'vonage.apiKey': account.apiKey,
    'vonage.apiSecret': account.apiSecret,
    'vonage.applicationId': account.applicationId,
    'vonage.signatureSecret': account.signatureSecret,
  })) {
    if (value === '') throw new TypeError(`${name} must not be empty`);
  }
  if (options.privateKey !== undefined && options.publicKey !== undefined) {
    throw new TypeError('give vonage.privateKey or vonage.publicKey, not both');
  }
  const pem = options.privateKey ?? options.publicKey;
  if (pem !== undefined) account.applicationPublicKey = applicationPublicKeyFrom(pem);
  return account;
}
