import { type DeliveryStore, ledgerView } from '@byot/delivery/records';
import type { Logger } from '@byot/observability';
import { Router } from 'express';
import { adminAuth } from '../auth/admin-auth.ts';

export const DELIVERY_LOOKUP_PATH = '/v1/deliveries/:eventId';

/** Okta event ids are UUIDs; anything else that could reach Redis as a key part is refused before it does. */
const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Support staff's question, "did this person's code arrive, through which provider, when": the delivery ledger
 * of one Okta eventId, with the phone masked and no code. Behind ADMIN_TOKEN, never Okta's hook secret.
 */
export function deliveryLookupRouter(deps: {
  store: DeliveryStore;
  adminToken: string;
  log: Logger;
}): Router {
  const router = Router();
  router.get(DELIVERY_LOOKUP_PATH, adminAuth(deps.adminToken), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const eventId = typeof req.params.eventId === 'string' ? req.params.eventId : '';
    if (!EVENT_ID.test(eventId)) {
      res
        .status(400)
        .json({ error: 'eventId must be the Okta event id (letters, digits, "-", "_", "."; at most 128)' });
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
  });
  return router;
}
