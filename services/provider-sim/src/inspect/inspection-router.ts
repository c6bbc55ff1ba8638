import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { callbackSettingsSchema, renderSettings } from '../callbacks/callback-config.ts';
import type { CallbackDispatcher, CallbackSettingsStore, DeliveryOutcome } from '../callbacks/dispatcher.ts';
import { FaultConfigSchema } from '../faults/fault-config.ts';
import type { FaultController } from '../faults/fault-controller.ts';
import type { Logger } from '../lib/logger.ts';
import { CHANNELS, isProviderName, PROVIDER_NAMES, type ProviderName } from '../providers.ts';
import type { RecordStore } from '../store/record-store.ts';
import { OUTCOMES } from '../store/records.ts';
import type { TwilioAccounts } from '../twilio/accounts.ts';

export interface InspectionRouterOptions {
  store: RecordStore;
  faults: FaultController;
  logger: Logger;
  callbacks: CallbackDispatcher;
  callbackSettings: CallbackSettingsStore;
  /** Base64 DER of the key SendGrid event webhooks verify with. */
  sendgridEventPublicKey: string;
  /** The simulated Twilio's main account and subaccounts. */
  twilioAccounts?: TwilioAccounts;
}

const DELIVERY_OUTCOMES: readonly DeliveryOutcome[] = [
  'pending',
  'delivered',
  'http-error',
  'failed',
  'skipped',
  'cancelled',
];

const CallbacksQuerySchema = z
  .object({
    provider: z.enum(PROVIDER_NAMES).optional(),
    sid: z.string().min(1).optional(),
    status: z.string().min(1).optional(),
    outcome: z.enum(DELIVERY_OUTCOMES as [DeliveryOutcome, ...DeliveryOutcome[]]).optional(),
    limit: z.coerce.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

/**
 * In a query string '+' means a space, so "?to=+15551234567" arrives as " 15551234567". Callers (curl in a
 * drill, a test) write the number naturally; restore the '+' rather than make everyone remember %2B.
 */
function restorePlus(value: string): string {
  return value.replace(/^ (?=\d)/, '+');
}

/** Strict: a misspelt filter ("?chanel=sms") would otherwise silently match everything. */
const MessagesQuerySchema = z
  .object({
    to: z.string().min(1).transform(restorePlus).optional(),
    channel: z.enum(CHANNELS).optional(),
    provider: z.enum(PROVIDER_NAMES).optional(),
    since: z.coerce.number().int().min(0).optional(),
    outcome: z.enum([...OUTCOMES, 'any']).optional(),
    limit: z.coerce.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/**
 * The simulator's own JSON API, for tests, drills and benchmarks (mounted at /sim):
 * read what the providers received, reset it, read counters, and change the injected faults.
 */
export function createInspectionRouter(options: InspectionRouterOptions): Router {
  const { store, faults, logger, callbacks, callbackSettings } = options;
  const router = express.Router();
  router.use(express.json({ limit: '16kb' }));

  router.get('/messages', (req, res) => {
    const parsed = MessagesQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      res.status(400).json({ error: 'invalid_query', issues: issuesOf(parsed.error) });
      return;
    }
    const { to, channel, provider, since, outcome, limit } = parsed.data;
    res.json({
      messages: store.query({
        ...(to === undefined ? {} : { to }),
        ...(channel === undefined ? {} : { channel }),
        ...(provider === undefined ? {} : { provider }),
        ...(since === undefined ? {} : { since }),
        ...(outcome === undefined ? {} : { outcome }),
        ...(limit === undefined ? {} : { limit }),
      }),
    });
  });

  router.get('/messages/:sid', (req, res) => {
    const record = store.findBySid(req.params.sid);
    if (!record) {
      res
        .status(404)
        .json({ error: 'not_found', message: `No accepted message or call has sid ${req.params.sid}` });
      return;
    }
    res.json(record);
  });

  router.delete('/messages', (_req, res) => {
    const deleted = store.clear();
    logger.info('records reset', { deleted });
    res.json({ deleted });
  });

  /** The Twilio accounts and their status (SIDs and names only; tokens stay inside). */
  router.get('/accounts', (_req, res) => {
    res.json({
      twilio: (options.twilioAccounts?.all() ?? []).map((a) => ({
        accountSid: a.accountSid,
        friendlyName: a.friendlyName,
        ownerAccountSid: a.ownerAccountSid,
        status: a.status,
      })),
    });
  });

  router.get('/stats', (_req, res) => {
    res.json(store.stats());
  });

  router.get('/faults', (_req, res) => {
    res.json({ faults: faults.snapshot() });
  });

  function withProvider(
    handler: (provider: ProviderName, req: Request, res: Response) => void | Promise<void>,
  ) {
    return async (req: Request, res: Response): Promise<void> => {
      const provider = String(req.params.provider);
      if (!isProviderName(provider)) {
        res.status(404).json({
          error: 'unknown_provider',
          message: `Unknown provider '${provider}'; known: ${PROVIDER_NAMES.join(', ')}`,
        });
        return;
      }
      await handler(provider, req, res);
    };
  }

  const faultView = (provider: ProviderName) => ({
    provider,
    faults: faults.get(provider),
    baselineLatencyMs: faults.baselineLatencyMs(provider),
  });

  router.get(
    '/faults/:provider',
    withProvider((provider, _req, res) => {
      res.json(faultView(provider));
    }),
  );

  router.put(
    '/faults/:provider',
    withProvider(async (provider, req, res) => {
      const parsed = FaultConfigSchema.safeParse(req.body ?? {});
      if (!parsed.success) {
        res.status(400).json({ error: 'invalid_faults', issues: issuesOf(parsed.error) });
        return;
      }
      faults.set(provider, parsed.data);
      logger.info('faults set', { provider, faults: parsed.data });
      // A down provider's dedicated port is closed (or a recovered one listening) before the answer.
      await faults.settled();
      res.json(faultView(provider));
    }),
  );

  router.delete(
    '/faults/:provider',
    withProvider(async (provider, _req, res) => {
      faults.clear(provider);
      logger.info('faults cleared', { provider });
      await faults.settled();
      res.json(faultView(provider));
    }),
  );

  router.get('/callbacks', (req, res) => {
    const parsed = CallbacksQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      res.status(400).json({ error: 'invalid_query', issues: issuesOf(parsed.error) });
      return;
    }
    const filter = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
    res.json({ callbacks: callbacks.list(filter) });
  });

  router.delete('/callbacks', (_req, res) => {
    const deleted = callbacks.clear();
    logger.info('callbacks reset', { deleted });
    res.json({ deleted });
  });

  const callbackView = (provider: ProviderName) => ({
    provider,
    settings: renderSettings(provider, callbackSettings.get(provider)),
  });

  router.get(
    '/callbacks/:provider',
    withProvider((provider, _req, res) => {
      res.json(callbackView(provider));
    }),
  );

  router.put(
    '/callbacks/:provider',
    withProvider((provider, req, res) => {
      const parsed = callbackSettingsSchema(provider).safeParse(req.body ?? {});
      if (!parsed.success) {
        res.status(400).json({ error: 'invalid_callbacks', issues: issuesOf(parsed.error) });
        return;
      }
      callbackSettings.set(provider, parsed.data);
      // Not the eventUrl: a URL may carry a token.
      const { eventUrl: _url, ...logged } = renderSettings(provider, parsed.data);
      logger.info('callbacks set', { provider, settings: logged });
      res.json(callbackView(provider));
    }),
  );

  router.delete(
    '/callbacks/:provider',
    withProvider((provider, _req, res) => {
      callbackSettings.reset(provider);
      logger.info('callbacks reset to defaults', { provider });
      res.json(callbackView(provider));
    }),
  );

  // As SendGrid's settings show it (GET /v3/user/webhooks/event/settings/signed answers the same field).
  router.get('/sendgrid/public-key', (_req, res) => {
    res.json({ public_key: options.sendgridEventPublicKey });
  });

  router.use((req: Request, res: Response) => {
    res
      .status(404)
      .json({ error: 'not_found', message: `No simulator endpoint ${req.method} ${req.originalUrl}` });
  });

  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status =
      typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number'
        ? error.status
        : 500;
    if (status >= 500) logger.error('inspection handler failed', { error: String(error) });
    res.status(status).json({
      error: status >= 500 ? 'internal_error' : 'bad_request',
      message: error instanceof Error ? error.message : 'request failed',
    });
  });

  return router;
}
