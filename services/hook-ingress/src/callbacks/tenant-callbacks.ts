import type { StatusEvent } from '@byot/contracts';
import { DEFAULT_TENANT_ID, isTenantId } from '@byot/contracts';
import type { CallbackSettings } from '@byot/providers/registry';
import { PerTenant, type Tenant, type TenantDirectory } from '@byot/tenancy';
import express, { type Router } from 'express';
import type { CallbackDeps } from './common.ts';
import { callbacksRouter } from './router.ts';

/** Where every provider's callback paths live; a tenant's are under `${CALLBACKS_BASE}/{tenant}`. */
export const CALLBACKS_BASE = '/v1/callbacks';

export interface TenantCallbackOptions {
  directory: TenantDirectory;
  /** Everything but the providers' secrets: the sink, the log, the caps, the clock. */
  base: Omit<CallbackDeps, keyof CallbackSettings>;
  /** PUBLIC_BASE_URL: Twilio signs the exact URL it called; without it Twilio's callbacks cannot be verified. */
  publicBaseUrl?: string;
  /** VONAGE_CALLBACKS_ALLOW_UNSIGNED, deployment-wide (loudly logged at start). */
  vonageAllowUnsigned: boolean;
}

/**
 * The providers' status callbacks of every tenant: `/v1/callbacks/{tenant}/twilio/messages`, `…/twilio/calls`,
 * `…/vonage/sms`, `…/vonage/voice`, `…/sendgrid/events`, each verified with THAT tenant's secrets (its Twilio
 * account's auth token, its Vonage signature secret, its SendGrid key), so a callback signed for tenant A is
 * refused on tenant B's path. The tenant `default` also answers on today's unprefixed paths. Every event is
 * stamped with the tenant whose path it came in on.
 *
 * A receipt is work under way: a tenant removed by a reload keeps its callback paths for the retention (its codes
 * sent just before still report), with the secrets they were sent with.
 */
export function tenantCallbacksRouter(options: TenantCallbackOptions): Router {
  const routers = new PerTenant<Router>((tenant) =>
    callbacksRouter(callbackDepsFor(tenant, options), { mountedAt: CALLBACKS_BASE }),
  );
  const router = express.Router();
  const serve =
    (tenantOf: (req: express.Request) => string): express.RequestHandler =>
    (req, res, next) => {
      const id = tenantOf(req);
      const tenantRouter = isTenantId(id) ? routers.forWork(options.directory, id) : undefined;
      if (!tenantRouter) return next();
      tenantRouter(req, res, next);
    };
  // Today's paths: the tenant `default` (its exact paths only; anything else goes on to the tenants' paths).
  router.use(
    CALLBACKS_BASE,
    serve(() => DEFAULT_TENANT_ID),
  );
  router.use(
    `${CALLBACKS_BASE}/:tenant`,
    serve((req) => String(req.params.tenant ?? '')),
  );
  return router;
}

/** One tenant's callback settings: its own accounts' secrets only, never another's or the environment's. */
export function callbackDepsFor(tenant: Tenant, options: TenantCallbackOptions): CallbackDeps {
  const vonageListed = [...tenant.sms, ...tenant.voice].includes('vonage');
  const signatureSecret = tenant.vonage?.signatureSecret;
  return {
    ...options.base,
    sink: stampedSink(options.base.sink, tenant.id),
    log: options.base.log.child({ tenant: tenant.id }),
    ...(tenant.twilio?.authToken && options.publicBaseUrl
      ? { twilio: { authToken: tenant.twilio.authToken, publicBaseUrl: options.publicBaseUrl } }
      : {}),
    ...(vonageListed
      ? {
          vonage: {
            ...(signatureSecret === undefined ? {} : { signatureSecret }),
            allowUnsigned: options.vonageAllowUnsigned,
          },
        }
      : {}),
    ...(tenant.sendgrid?.eventPublicKey ? { sendgrid: { publicKey: tenant.sendgrid.eventPublicKey } } : {}),
  };
}

/** Each event says whose path it came in on (absent for `default`, as before tenancy). */
function stampedSink(sink: CallbackDeps['sink'], tenant: string): CallbackDeps['sink'] {
  if (tenant === DEFAULT_TENANT_ID) return sink;
  return {
    enqueue: (events: readonly StatusEvent[]) => sink.enqueue(events.map((event) => ({ ...event, tenant }))),
  };
}
