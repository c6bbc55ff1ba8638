import { type BlockEntry, type FraudBlocks, type FraudPolicies, parseBlockId } from '@byot/fraud';

/** Each tenant's policy: FraudPolicies, or the tenants file's (hook-ingress's TenantFraudPolicies). */
export type TenantPolicies = Pick<FraudPolicies, 'for'>;

import type { BlockRow, BlocksSource } from './blocks.ts';

/**
 * The blocks page over the fraud controls themselves (@byot/fraud): the same FraudBlocks that GET/DELETE
 * /v1/blocks use, so the console and the API list and lift exactly the same things. Each tenant is read with its
 * own policy (its limits decide what "in window" means); a tenant this deployment does not serve has no blocks.
 */
export function fraudBlocksSource(
  blocks: FraudBlocks,
  policies: TenantPolicies,
  now: () => number = Date.now,
): BlocksSource {
  return {
    async list(tenants) {
      const at = now();
      const lists = await Promise.all(
        tenants.map((tenantId) => {
          const policy = policies.for(tenantId);
          return policy ? blocks.list(tenantId, policy, at) : Promise.resolve([]);
        }),
      );
      return lists.flat().map(toRow);
    },
    async lift(id) {
      const parsed = parseBlockId(id);
      const policy = parsed ? policies.for(parsed.tenantId) : undefined;
      if (!policy) return false;
      return blocks.lift(id, policy, now());
    },
  };
}

function toRow(entry: BlockEntry): BlockRow {
  const common = {
    id: entry.id,
    tenantId: entry.tenantId,
    rule: entry.rule,
    label: entry.label,
    refused: entry.refused,
  };
  return entry.kind === 'hold'
    ? {
        ...common,
        kind: 'hold',
        since: entry.since,
        until: entry.until,
        volume: entry.volume,
        baseline: entry.baseline,
      }
    : { ...common, kind: 'limit', limit: entry.limit, inWindow: entry.inWindow };
}
