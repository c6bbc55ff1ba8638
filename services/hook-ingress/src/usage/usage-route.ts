import { isTenantId } from '@byot/contracts';
import type { Logger } from '@byot/observability';
import { parseUsageRange, type UsageCounters, usageCsv, usageReport, usageRows } from '@byot/tenancy';
import { type Request, type Response, Router } from 'express';
import { type AdminPrincipal, type AdminPrincipals, adminAuth } from '../auth/admin-auth.ts';
import type { FailureThrottle } from '../auth/failure-throttle.ts';

export const USAGE_PATH = '/v1/usage';

export interface UsageRouteDeps {
  counters: Pick<UsageCounters, 'read' | 'knownTenants'>;
  /** ADMIN_TOKEN (the MSP: any tenant) and each tenant's adminToken (its own only). */
  principals: AdminPrincipals;
  /** The tenants served right now (a tenant removed from the file still has its history: knownTenants). */
  tenantIds: () => string[];
  log: Logger;
  throttle?: FailureThrottle;
}

/**
 * Usage for billing: `GET /v1/usage?from=YYYY-MM-DD&to=YYYY-MM-DD[&tenant=ID]`, per tenant and UTC day, as JSON
 * (summed along each dimension) or, with `Accept: text/csv`, one CSV row per counter. The MSP's ADMIN_TOKEN reads
 * any tenant (every tenant without `tenant=`); a tenant's adminToken reads its own (another tenant: 404, as for
 * one that does not exist).
 */
export function usageRouter(deps: UsageRouteDeps): Router {
  const router = Router();
  router.get(
    USAGE_PATH,
    adminAuth(deps.principals, { log: deps.log, ...(deps.throttle ? { throttle: deps.throttle } : {}) }),
    async (req: Request, res: Response) => {
      res.setHeader('Cache-Control', 'no-store');
      const query = req.query;
      const range = parseUsageRange(query.from, query.to);
      if (!range.ok) {
        res.status(400).json({ error: range.problem });
        return;
      }
      const wanted = query.tenant;
      if (wanted !== undefined && (typeof wanted !== 'string' || !isTenantId(wanted))) {
        res.status(400).json({ error: 'tenant must be a tenant id ([a-z0-9][a-z0-9-]{0,39})' });
        return;
      }
      const principal = res.locals.adminPrincipal as AdminPrincipal;
      const tenants = await tenantsFor(principal, wanted, deps);
      if (tenants === undefined) {
        res.status(404).json({ error: 'no such tenant' });
        return;
      }
      const days = await deps.counters.read(tenants, range.days);
      deps.log.info(
        { tenants: tenants.length, from: range.from, to: range.to, by: principal.kind },
        'usage exported',
      );
      if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
        const name = `byot-usage-${range.from}-${range.to}${wanted ? `-${wanted}` : ''}.csv`;
        res
          .type('text/csv; charset=utf-8')
          .set('Content-Disposition', `attachment; filename="${name}"`)
          .send(usageCsv(usageRows(days)));
        return;
      }
      res.json(usageReport(range, tenants, days));
    },
  );
  return router;
}

/** Whose usage a principal asked for and may read; undefined: none it may see (answered 404). */
async function tenantsFor(
  principal: AdminPrincipal,
  wanted: string | undefined,
  deps: UsageRouteDeps,
): Promise<string[] | undefined> {
  if (principal.kind === 'tenant') {
    return wanted === undefined || wanted === principal.tenant ? [principal.tenant] : undefined;
  }
  const known = new Set([...deps.tenantIds(), ...(await deps.counters.knownTenants())]);
  if (wanted !== undefined) return known.has(wanted) ? [wanted] : undefined;
  return [...known].sort();
}
