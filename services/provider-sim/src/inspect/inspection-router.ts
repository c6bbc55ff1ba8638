import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { FaultConfigSchema } from '../faults/fault-config.ts';
import type { FaultController } from '../faults/fault-controller.ts';
import type { Logger } from '../lib/logger.ts';
import { CHANNELS, isProviderName, PROVIDER_NAMES, type ProviderName } from '../providers.ts';
import type { RecordStore } from '../store/record-store.ts';
import { OUTCOMES } from '../store/records.ts';

export interface InspectionRouterOptions {
  store: RecordStore;
  faults: FaultController;
  logger: Logger;
}

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
  const { store, faults, logger } = options;
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

  router.get('/stats', (_req, res) => {
    res.json(store.stats());
  });

  router.get('/faults', (_req, res) => {
    res.json({ faults: faults.snapshot() });
  });

  function withProvider(handler: (provider: ProviderName, req: Request, res: Response) => void) {
    return (req: Request, res: Response): void => {
      const provider = String(req.params.provider);
      if (!isProviderName(provider)) {
        res.status(404).json({
          error: 'unknown_provider',
          message: `Unknown provider '${provider}'; known: ${PROVIDER_NAMES.join(', ')}`,
        });
        return;
      }
      handler(provider, req, res);
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
    withProvider((provider, req, res) => {
      const parsed = FaultConfigSchema.safeParse(req.body ?? {});
      if (!parsed.success) {
        res.status(400).json({ error: 'invalid_faults', issues: issuesOf(parsed.error) });
        return;
      }
      faults.set(provider, parsed.data);
      logger.info('faults set', { provider, faults: parsed.data });
      res.json(faultView(provider));
    }),
  );

  router.delete(
    '/faults/:provider',
    withProvider((provider, _req, res) => {
      faults.clear(provider);
      logger.info('faults cleared', { provider });
      res.json(faultView(provider));
    }),
  );

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
