import express, { type Express, type Request, type Response } from 'express';
import { type InitialFaults, InitialFaultsSchema } from './faults/fault-config.ts';
import { FaultController } from './faults/fault-controller.ts';
import { INBOX_HEADERS, renderInbox } from './inspect/inbox-page.ts';
import { createInspectionRouter } from './inspect/inspection-router.ts';
import { type Logger, silentLogger } from './lib/logger.ts';
import { SANDBOX_TWILIO_ACCOUNT_SID, SANDBOX_TWILIO_AUTH_TOKEN } from './sandbox.ts';
import { RecordStore } from './store/record-store.ts';
import type { AcceptedRecord, RejectedRecord } from './store/records.ts';
import type { TwilioAccount } from './twilio/auth.ts';
import { createTwilioRouter } from './twilio/router.ts';

export interface SimulatorOptions {
  twilio?: {
    /** Default: the sandbox account AC000…0. Must match /^AC[0-9a-f]{32}$/. */
    accountSid?: string;
    /** Default: the sandbox token "sandbox-auth-token". */
    authToken?: string;
    /** Latency of every Twilio request unless a fault sets latencyMs (the simulated network). Default 0. */
    baselineLatencyMs?: number;
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
  app: Express;
  store: RecordStore;
  faults: FaultController;
  /** The credentials the simulated Twilio accepts. */
  twilio: Readonly<TwilioAccount>;
  /**
   * Releases requests the simulator is holding (injected latency, hangRate) by destroying their sockets, so
   * that closing the HTTP server does not wait on them. Call it before `server.close()`; listenSimulator's
   * close() does.
   */
  shutdown(): void;
}

const ACCOUNT_SID = /^AC[0-9a-f]{32}$/;
const INBOX_DELIVERED = 100;
const INBOX_REFUSED = 30;

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

  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  // Providers, each on the path its SDK uses. Vonage will add /sms/json and /v1/calls, SendGrid /v3/mail/send.
  // For "provider down" drills each provider router will also be servable on its own listener, which a drill
  // closes to produce a genuine ECONNREFUSED.
  app.use(
    '/2010-04-01',
    createTwilioRouter({ account, store, faults, logger, shutdown: shutdownController.signal }),
  );

  app.use('/sim', createInspectionRouter({ store, faults, logger }));

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
      .send(renderInbox({ delivered, refused, stats: store.stats(), faults: faults.snapshot() }));
  });

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: `No route ${req.method} ${req.path}` });
  });

  return {
    app,
    store,
    faults,
    twilio: Object.freeze({ ...account }),
    shutdown: () => shutdownController.abort(),
  };
}
