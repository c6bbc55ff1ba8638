import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { ByotMetrics } from '@byot/telemetry';
import type { Queue } from 'bullmq';
import express, { type Express, type Router } from 'express';
import { type AdminAuthOptions, adminAuth } from '../auth/admin-auth.ts';
import { CONSOLE_PATH } from './console/console-app.ts';

export const DASHBOARD_PATH = '/queues';

export interface AdminDeps {
  metrics: Pick<ByotMetrics, 'render'>;
  /** ADMIN_TOKEN; unset: the dashboard (and anything else behind the credential) is off. */
  token: string | undefined;
  /** The queues the dashboard shows (send queues and status events). */
  queues: Queue[];
  /** ADMIN_DASHBOARD_ACTIONS: retry, promote, clean… in the dashboard. Off by default: it only reads. */
  allowActions: boolean;
  /** More operator routes behind the same credential (mounted at /). */
  protectedRoutes?: Router;
  /** Throttling of failed attempts and their log lines. */
  auth?: AdminAuthOptions;
  /** The support console (/console), with its own sign-in; undefined: the console is off. */
  console?: Router;
}

/**
 * Strips what must never reach a browser from a job's data: the sealed secrets. Everything else in a send job
 * (event id, channel, masked number, expiry) is meant to be readable; a status event holds no number or text.
 */
export function dashboardJobData(data: unknown): unknown {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return data;
  const { sealed: _sealed, ...rest } = data as Record<string, unknown>;
  return _sealed === undefined ? rest : { ...rest, sealed: '[sealed]' };
}

/**
 * hook-ingress's admin port (ADMIN_PORT), never the public hook port: GET /metrics for Prometheus (open, like the
 * workers' health ports: label values are bounded and hold no ids), the support console at /console (its own
 * sign-in), and, with ADMIN_TOKEN set, the Bull Board queue dashboard at /queues.
 */
export function createAdminApp(deps: AdminDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type('text/plain; version=0.0.4; charset=utf-8').send(await deps.metrics.render());
  });

  if (deps.console) app.use(deps.console);
  else {
    app.use(CONSOLE_PATH, (_req, res) => {
      res
        .status(404)
        .json({ error: 'the support console is off: set ADMIN_TOKEN or CONSOLE_OIDC_* to turn it on' });
    });
  }

  if (deps.token === undefined) {
    app.use(DASHBOARD_PATH, (_req, res) => {
      res.status(404).json({ error: 'the queue dashboard is off: set ADMIN_TOKEN to turn it on' });
    });
  } else {
    const auth = adminAuth(deps.token, deps.auth);
    const board = new ExpressAdapter();
    board.setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: deps.queues.map((queue) => {
        const adapter = new BullMQAdapter(queue, {
          readOnlyMode: !deps.allowActions,
          allowRetries: deps.allowActions,
        });
        adapter.setFormatter('data', dashboardJobData);
        return adapter;
      }),
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'byot queues' } },
    });
    app.use(DASHBOARD_PATH, auth, board.getRouter());
    if (deps.protectedRoutes) app.use(auth, deps.protectedRoutes);
  }

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}
