import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_TENANT_ID, isTenantId, oktaError } from '@byot/contracts';
import type { DeliveryStore } from '@byot/delivery/records';
import type { FraudBlocks, FraudPolicies } from '@byot/fraud';
import type { Logger } from '@byot/observability';
import type { HookAnswerLabel } from '@byot/telemetry';
import express, { type Express, type RequestHandler, type Response } from 'express';
import type { AdminPrincipals } from './auth/admin-auth.ts';
import type { FailureThrottle } from './auth/failure-throttle.ts';
import type { HookAuthenticator } from './auth/hook-authenticator.ts';
import { type CallbackDeps, callbacksRouter } from './callbacks/index.ts';
import { type TenantCallbackOptions, tenantCallbacksRouter } from './callbacks/tenant-callbacks.ts';
import type { Dispatcher } from './delivery/dispatcher.ts';
import type { HookLedger } from './delivery/hook-ledger.ts';
import type { FraudScreen } from './fraud/screen.ts';
import { blocksRouter } from './http/blocks-route.ts';
import { deliveryLookupRouter } from './http/delivery-lookup-route.ts';
import { errorHandler } from './http/errors.ts';
import { type AnswerLabels, plainHookRoute } from './http/hook-route.ts';
import { hookAnswerer, telephonyRoute } from './http/telephony-route.ts';
import { type TokenEndpointDeps, tokenEndpointRouter } from './oauth/token-endpoint.ts';
import type { ParseSettings } from './okta/parse-hook.ts';
import {
  type HookTenant,
  type HookTenants,
  singleTenant,
  sourceOriginForLog,
  sourceWithinOrg,
} from './tenants/hook-tenants.ts';
import type { HookUsage } from './usage/hook-usage.ts';
import { type UsageRouteDeps, usageRouter } from './usage/usage-route.ts';

export interface AppDeps {
  /** The single-org setup's authenticator (tenant `default`); ignored when `tenants` is given. */
  authenticator?: HookAuthenticator;
  /**
   * The tenants taking hooks (a tenants file): `POST /v1/okta/telephony/{tenant}`, and `default` also on the
   * unprefixed path. Absent: the single-org setup, from `authenticator` and `parse`.
   */
  tenants?: HookTenants;
  dispatcher: Dispatcher;
  parse: ParseSettings;
  budgetMs: number;
  maxBodyBytes: number;
  log: Logger;
  /** Readiness: Redis reachable and the outcome subscription live, and not shutting down. */
  isReady: () => Promise<boolean>;
  /** Provider status callbacks (each provider's callback paths); without them those paths answer 404. */
  callbacks?: CallbackDeps;
  /** With a tenants file: every tenant's callback paths, each verified with its own secrets (replaces `callbacks`). */
  tenantCallbacks?: TenantCallbackOptions;
  /** Counts each hook answer (byot_hook_answers_total and its duration) once the response is finished. */
  metrics?: {
    hookAnswered(answer: HookAnswerLabel, requestType: string, seconds: number, tenant?: string): void;
  };
  /** The delivery lookup for support staff (GET /v1/deliveries/:eventId); absent (no ADMIN_TOKEN): 404. */
  deliveryLookup?: {
    store: DeliveryStore;
    /** ADMIN_TOKEN; with a tenants file, the MSP's and each tenant's admin credentials. */
    adminToken: string | AdminPrincipals;
    isTenant?: (tenant: string) => boolean;
    throttle?: FailureThrottle;
  };
  /** byot's OAuth 2.0 authorization servers (/oauth2/{tenant}/…); absent: those paths answer 404. */
  oauth?: TokenEndpointDeps;
  /** Express `trust proxy` (TRUST_PROXY): whose X-Forwarded-For names the client. Default: nobody's. */
  trustProxy?: boolean | number | string;
  /** Indexes each answered hook for the support console (feed, person search). */
  hookLedger?: HookLedger;
  /** The fraud controls, a step between parsing and dispatch; absent: none (tests of the delivery path). */
  fraud?: FraudScreen;
  /** Counts the codes the ingress settles itself (blocked, handed back to Okta) for the usage export. */
  usage?: HookUsage;
  /** GET /v1/usage (billing export); absent: 404. */
  usageExport?: Omit<UsageRouteDeps, 'log'>;
  /** GET /v1/blocks and DELETE /v1/blocks/{id}; absent (no ADMIN_TOKEN): 404. */
  blocks?: {
    blocks: FraudBlocks;
    policies: Pick<FraudPolicies, 'for' | 'tenantIds'>;
    /** ADMIN_TOKEN; with a tenants file, the MSP's and each tenant's admin credentials. */
    adminToken: string | AdminPrincipals;
  };
  /**
   * Serve the hook on plain node:http ahead of Express (default true; http/hook-route.ts). false: Express serves
   * it too, with the chain of the release before — what test/hook-route.test.ts compares the answers against.
   */
  plainHookRoute?: boolean;
}

export const TELEPHONY_HOOK_PATH = '/v1/okta/telephony';
/** A tenant's hook (issue 13); the tenant `default` also answers on TELEPHONY_HOOK_PATH. */
export const TENANT_HOOK_PATH = `${TELEPHONY_HOOK_PATH}/:tenant`;

/** The ingress as an Express app, without listening: main.ts wires and listens, tests drive it directly. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? false);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await deps.isReady().catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready' });
  });

  const tenants = deps.tenants ?? singleTenant(requiredAuthenticator(deps), deps.parse);
  const hookChain = hookHandlers(deps, tenants);
  app.post(
    TELEPHONY_HOOK_PATH,
    (_req, res, next) => {
      res.locals.tenantParam = DEFAULT_TENANT_ID;
      next();
    },
    ...hookChain,
  );
  app.post(
    TENANT_HOOK_PATH,
    (req, res, next) => {
      res.locals.tenantParam = String(req.params.tenant ?? '');
      next();
    },
    ...hookChain,
  );

  if (deps.oauth) app.use(tokenEndpointRouter(deps.oauth));
  if (deps.tenantCallbacks) app.use(tenantCallbacksRouter(deps.tenantCallbacks));
  else if (deps.callbacks) app.use(callbacksRouter(deps.callbacks));
  if (deps.deliveryLookup) app.use(deliveryLookupRouter({ ...deps.deliveryLookup, log: deps.log }));
  if (deps.blocks) app.use(blocksRouter({ ...deps.blocks, log: deps.log }));
  if (deps.usageExport) app.use(usageRouter({ ...deps.usageExport, log: deps.log }));

  app.use((_req, res) => {
    res.status(404).json(oktaError('Not found'));
  });
  app.use(errorHandler(deps.log));

  if (deps.plainHookRoute !== false) {
    const metrics = deps.metrics;
    // Express's own req.ip (trust proxy included), read without Express's request object.
    const ipGetter = Object.getOwnPropertyDescriptor(express.request, 'ip')?.get;
    const serveHook = plainHookRoute({
      tenants,
      answerHook: hookAnswerer(deps),
      maxBodyBytes: deps.maxBodyBytes,
      log: deps.log,
      path: TELEPHONY_HOOK_PATH,
      tenantRoute: TENANT_HOOK_PATH,
      ...(metrics
        ? {
            countAnswer: (res, tenant, labels, startedAt) =>
              countAnswer(res, metrics, tenant, () => labels, startedAt),
          }
        : {}),
      clientIp: (req) =>
        ipGetter?.call({ app, headers: req.headers, socket: req.socket, connection: req.socket }) as
          | string
          | undefined,
    });
    // The app is the server's request listener (app(req, res) calls app.handle): the hook is answered before
    // Express sees it; whatever the plain route leaves (returns false, nothing read) goes to Express unchanged.
    type Handle = (req: IncomingMessage, res: ServerResponse, next?: unknown) => void;
    const withHandle = app as unknown as { handle: Handle };
    const handle = withHandle.handle.bind(app);
    withHandle.handle = (req, res, next) => {
      if (!serveHook(req, res)) handle(req, res, next);
    };
  }
  return app;
}

function requiredAuthenticator(deps: AppDeps): HookAuthenticator {
  if (!deps.authenticator) throw new Error('createApp needs an authenticator or tenants');
  return deps.authenticator;
}

/** Not found, exactly as any other unknown path: an unknown tenant learns nothing of which tenants exist. */
function notFound(res: Response): void {
  res.status(404).json(oktaError('Not found'));
}

/**
 * The hook's steps, the same for every tenant: find the tenant (404 when unknown), authenticate with ITS
 * credentials before reading the body (401, nothing read), parse JSON, check that the hook comes from the
 * tenant's own Okta org (401, nothing enqueued), then the route.
 */
function hookHandlers(deps: AppDeps, tenants: HookTenants): RequestHandler[] {
  return [
    // The clock starts before anything else: the budget is Okta's, not ours.
    (_req, res, next) => {
      res.locals.receivedAt = Date.now();
      res.locals.startedAt = performance.now();
      next();
    },
    (_req, res, next) => {
      const id = res.locals.tenantParam as string;
      const tenant = isTenantId(id) ? tenants.forHook(id) : undefined;
      if (!tenant) return notFound(res);
      res.locals.tenant = tenant;
      res.locals.tenantId = tenant.id;
      // Counted from here: a probe of unknown tenants must not mint metric labels.
      if (deps.metrics)
        countAnswer(
          res,
          deps.metrics,
          tenants.shared ? tenant.id : undefined,
          () => res.locals as AnswerLabels,
          res.locals.startedAt as number,
        );
      next();
    },
    // Authenticate before reading the body: an unauthenticated caller costs us no JSON parsing.
    async (req, res, next) => {
      const tenant = res.locals.tenant as HookTenant;
      const auth = await tenant.authenticator.authenticate(req.headers);
      if (auth.ok) {
        res.locals.authScheme = auth.scheme;
        return next();
      }
      // One line, the reason and never the credential; nothing was read, parsed or enqueued.
      deps.log.warn(
        { tenant: tenant.id, reason: auth.reason, scheme: auth.scheme, ip: req.ip },
        'hook refused: authentication failed',
      );
      if (auth.challenge) res.set('WWW-Authenticate', auth.challenge);
      res.status(401).json(oktaError('Unauthorized'));
    },
    express.json({
      limit: deps.maxBodyBytes,
      strict: true,
      type: ['application/json', 'application/*+json'],
    }),
    (req, res, next) => {
      if (req.body === undefined) {
        res.status(415).json(oktaError('Content-Type must be application/json'));
        return;
      }
      const tenant = res.locals.tenant as HookTenant;
      // A credential proves the caller holds this tenant's secret; `source` says which org Okta called from. A
      // hook from another org (a leaked secret replayed elsewhere, a mis-pasted configuration) is refused.
      const source = (req.body as { source?: unknown }).source;
      if (tenant.oktaOrg !== undefined && !sourceWithinOrg(source, tenant.oktaOrg)) {
        deps.log.warn(
          { tenant: tenant.id, reason: 'source-outside-org', source: sourceOriginForLog(source), ip: req.ip },
          "hook refused: source is not the tenant's Okta org",
        );
        res.status(401).json(oktaError('Unauthorized'));
        return;
      }
      next();
    },
    telephonyRoute(deps),
  ];
}

/**
 * Okta's view of an answer: a 200 carries our status; any other status makes Okta send the code itself (503 is
 * how we ask for that); a 4xx is a refusal (authentication, body). Counted on 'finish', so every path counts.
 */
function countAnswer(
  res: ServerResponse,
  metrics: NonNullable<AppDeps['metrics']>,
  tenant: string | undefined,
  labels: () => AnswerLabels,
  startedAt: number,
): void {
  res.once('finish', () => {
    const { answerLabel: label, requestType } = labels();
    const answer: HookAnswerLabel =
      res.statusCode === 200
        ? label === 'SUCCESSFUL'
          ? 'successful'
          : label === 'FAILED'
            ? 'failed'
            : 'pending'
        : res.statusCode >= 500
          ? 'okta_fallback'
          : 'rejected';
    const seconds = (performance.now() - startedAt) / 1000;
    metrics.hookAnswered(answer, requestType ?? 'unknown', seconds, tenant);
  });
}
