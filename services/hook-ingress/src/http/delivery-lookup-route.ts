import { DEFAULT_TENANT_ID, EVENT_ID_PATTERN, isTenantId, scopedEventId } from '@byot/contracts';
import { type DeliveryStore, ledgerView } from '@byot/delivery/records';
import type { Logger } from '@byot/observability';
import { type Request, type Response, Router } from 'express';
import { type AdminPrincipal, type AdminPrincipals, adminAuth, maySee } from '../auth/admin-auth.ts';
import type { FailureThrottle } from '../auth/failure-throttle.ts';

export const DELIVERY_LOOKUP_PATH = '/v1/deliveries/:eventId';
/** A tenant's deliveries (issue 13): ADMIN_TOKEN sees every tenant, a tenant's adminToken its own only. */
export const TENANT_DELIVERY_LOOKUP_PATH = '/v1/deliveries/:tenant/:eventId';

const NOT_FOUND =
  'no delivery record for this eventId: not received here, or older than DELIVERY_RETENTION_SECONDS after its code expired';

/**
 * Support staff's question, "did this person's code arrive, through which provider, when": the delivery ledger
 * of one Okta eventId, with the phone masked and no code. Behind ADMIN_TOKEN, never Okta's hook secret.
 */
export function deliveryLookupRouter(deps: {
  store: DeliveryStore;
  /** ADMIN_TOKEN, or (with a tenants file) the MSP's and each tenant's admin credentials. */
  adminToken: string | AdminPrincipals;
  /** Which tenants exist right now (for the tenant path); absent: `default` only. */
  isTenant?: (tenant: string) => boolean;
  log: Logger;
  throttle?: FailureThrottle;
}): Router {
  const router = Router();
  const auth = adminAuth(deps.adminToken, {
    log: deps.log,
    ...(deps.throttle ? { throttle: deps.throttle } : {}),
  });
  const isTenant = deps.isTenant ?? ((tenant: string) => tenant === DEFAULT_TENANT_ID);
  const lookup = (tenantOf: (req: Request) => string) => async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    const tenant = tenantOf(req);
    // Another tenant's deliveries, or a tenant that does not exist: the same 404 as a delivery that does not —
    // a tenant's token learns nothing of other tenants, not even that they exist.
    if (
      !isTenantId(tenant) ||
      !isTenant(tenant) ||
      !maySee(res.locals.adminPrincipal as AdminPrincipal, tenant)
    ) {
      res.status(404).json({ error: NOT_FOUND });
      return;
    }
    const eventId = typeof req.params.eventId === 'string' ? req.params.eventId : '';
    // The hook's own rule for event ids: anything else could not have been stored, and is refused before it
    // reaches Redis as a key part.
    if (!EVENT_ID_PATTERN.test(eventId)) {
      res.status(400).json({ error: 'eventId must be an Okta event id (6-128 letters, digits, "-" or "_")' });
      return;
    }
    const ledger = await deps.store.getLedger(scopedEventId(tenant, eventId));
    if (!ledger) {
      res.status(404).json({ error: NOT_FOUND });
      return;
    }
    deps.log.info({ tenant, eventId }, 'delivery looked up');
    res.json(ledgerView(ledger.record, ledger.attempts));
  };
  router.get(
    DELIVERY_LOOKUP_PATH,
    auth,
    lookup(() => DEFAULT_TENANT_ID),
  );
  router.get(
    TENANT_DELIVERY_LOOKUP_PATH,
    auth,
    lookup((req) => String(req.params.tenant ?? '')),
  );
  return router;
}
