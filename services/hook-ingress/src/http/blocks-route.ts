import { type FraudBlocks, type FraudPolicies, parseBlockId } from '@byot/fraud';
import type { Logger } from '@byot/observability';
import { Router } from 'express';
import { type AdminPrincipal, type AdminPrincipals, adminAuth, maySee } from '../auth/admin-auth.ts';

export const BLOCKS_PATH = '/v1/blocks';

/**
 * The operators' view of the fraud controls: GET /v1/blocks lists the active holds and the limited keys that
 * refused the most codes lately (labels masked), per tenant; DELETE /v1/blocks/{id} lifts a hold or resets a
 * limited key. Behind ADMIN_TOKEN, which sees every tenant; with a tenants file a tenant's adminToken sees and lifts
 * its own only (another tenant's, or one that does not exist: 404).
 */
export function blocksRouter(deps: {
  blocks: FraudBlocks;
  policies: Pick<FraudPolicies, 'for' | 'tenantIds'>;
  adminToken: string | AdminPrincipals;
  log: Logger;
}): Router {
  const router = Router();
  const auth = adminAuth(deps.adminToken);

  router.get(BLOCKS_PATH, auth, async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const principal = res.locals.adminPrincipal as AdminPrincipal;
    const own = principal.kind === 'tenant' ? principal.tenant : undefined;
    const wanted = typeof req.query.tenant === 'string' ? req.query.tenant : own;
    const tenants = wanted === undefined ? deps.policies.tenantIds() : [wanted];
    if (wanted !== undefined && (!deps.policies.for(wanted) || !maySee(principal, wanted))) {
      res.status(404).json({ error: 'no such tenant here' });
      return;
    }
    const now = Date.now();
    const blocks = (
      await Promise.all(
        tenants.flatMap((tenantId) => {
          const policy = deps.policies.for(tenantId);
          return policy ? [deps.blocks.list(tenantId, policy, now)] : [];
        }),
      )
    ).flat();
    res.json({ blocks });
  });

  router.delete(`${BLOCKS_PATH}/:id`, auth, async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const id = typeof req.params.id === 'string' ? req.params.id : '';
    const parsed = parseBlockId(id);
    const policy = parsed ? deps.policies.for(parsed.tenantId) : undefined;
    if (parsed && policy && !maySee(res.locals.adminPrincipal as AdminPrincipal, parsed.tenantId)) {
      // Another tenant's block: as if there were nothing to lift.
      res.status(404).json({ error: 'nothing to lift: the hold has ended or the key holds no count' });
      return;
    }
    if (!parsed || !policy) {
      res.status(400).json({
        error:
          'not a block id: use an id from GET /v1/blocks (<tenant>.hold.<scope>.<key> or <tenant>.limit.<rule>.<key>)',
      });
      return;
    }
    const lifted = await deps.blocks.lift(id, policy);
    if (!lifted) {
      res.status(404).json({ error: 'nothing to lift: the hold has ended or the key holds no count' });
      return;
    }
    deps.log.warn(
      {
        blockId: id,
        tenant: parsed.tenantId,
        kind: parsed.kind,
        by: (res.locals.adminPrincipal as AdminPrincipal).kind,
      },
      'block lifted by an operator',
    );
    res.json({ lifted: id });
  });
  return router;
}
