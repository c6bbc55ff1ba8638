import { EVENT_ID_PATTERN } from '@byot/contracts';
import { type DeliveryStore, ledgerView } from '@byot/delivery/records';
import type { Logger } from '@byot/observability';
import { Router } from 'express';
import { adminAuth } from '../auth/admin-auth.ts';
import type { FailureThrottle } from '../auth/failure-throttle.ts';

export const DELIVERY_LOOKUP_PATH = '/v1/deliveries/:eventId';

/**
 * Support staff's question, "did this person's code arrive, through which provider, when": the delivery ledger
 * of one Okta eventId, with the phone masked and no code. Behind ADMIN_TOKEN, never Okta's hook secret.
 */
export function deliveryLookupRouter(deps: {
  store: DeliveryStore;
  adminToken: string;
  log: Logger;
  throttle?: FailureThrottle;
}): Router {
  const router = Router();
  router.get(
    DELIVERY_LOOKUP_PATH,
    adminAuth(deps.adminToken, { log: deps.log, ...(deps.throttle ? { throttle: deps.throttle } : {}) }),
    async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      const eventId = typeof req.params.eventId === 'string' ? req.params.eventId : '';
      // The hook's own rule for event ids: anything else could not have been stored, and is refused before it
      // reaches Redis as a key part.
      if (!EVENT_ID_PATTERN.test(eventId)) {
        res
          .status(400)
          .json({ error: 'eventId must be an Okta event id (6-128 letters, digits, "-" or "_")' });
        return;
      }
      const ledger = await deps.store.getLedger(eventId);
      if (!ledger) {
        res.status(404).json({
          error:
            'no delivery record for this eventId: not received here, or older than DELIVERY_RETENTION_SECONDS after its code expired',
        });
        return;
      }
      deps.log.info({ eventId }, 'delivery looked up');
      res.json(ledgerView(ledger.record, ledger.attempts));
    },
  );
  return router;
}
