import type { Tenant } from '../tenant.ts';
import { formatKeyPath, type Problem } from './problems.ts';

/**
 * Checks across tenants that keep one org's credential from ever opening another org's door. A credential is
 * accepted only on its own tenant's paths, but that guarantee is only as good as the credentials being distinct:
 * two tenants given the same header secret would each be let in on the other's path. So every secret that
 * authenticates someone (hook header values, OAuth client secrets, admin tokens) must be unique in the file and
 * differ from the deployment's own ADMIN_TOKEN; two tenants must not trust the same outside issuer and audience
 * (a token for one would pass on the other); and one Okta org belongs to one tenant.
 */
export interface ReservedSecret {
  /** What to call it in the problem, e.g. "ADMIN_TOKEN". */
  name: string;
  value: string;
}

interface Occurrence {
  tenant: string;
  path: Array<string | number>;
}

export function isolationProblems(
  tenants: readonly Tenant[],
  reserved: readonly ReservedSecret[] = [],
): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, Occurrence>();
  const reservedByValue = new Map(reserved.map((r) => [r.value, r.name]));

  const claim = (value: string | undefined, at: Occurrence, what: string) => {
    if (value === undefined) return;
    const path = ['tenants', at.tenant, ...at.path];
    const reservedName = reservedByValue.get(value);
    if (reservedName !== undefined) {
      problems.push({
        path,
        message: `is the same secret as ${reservedName}: every credential must be its own`,
      });
      return;
    }
    const first = seen.get(value);
    if (first) {
      const where =
        first.tenant === at.tenant
          ? formatKeyPath(first.path)
          : `tenant "${first.tenant}"'s ${formatKeyPath(first.path)}`;
      problems.push({ path, message: `is the same ${what} as ${where}: every credential must be its own` });
      return;
    }
    seen.set(value, at);
  };

  for (const tenant of tenants) {
    const { id, hookAuth } = tenant;
    claim(hookAuth.header?.value, { tenant: id, path: ['hookAuth', 'header', 'value'] }, 'secret');
    hookAuth.oauthClients.forEach((client, i) => {
      claim(
        client.clientSecret,
        { tenant: id, path: ['hookAuth', 'oauthClients', i, 'clientSecret'] },
        'secret',
      );
    });
    claim(tenant.adminToken, { tenant: id, path: ['adminToken'] }, 'secret');
  }

  problems.push(
    ...duplicates(tenants, (t) => t.oktaOrg, ['oktaOrg'], 'Okta org'),
    ...duplicates(
      tenants,
      (t) => {
        const issuer = t.hookAuth.oauthIssuer;
        // A required cid tells two tenants' tokens apart even under one issuer and audience.
        return issuer && `${issuer.issuer} ${issuer.audience} ${issuer.requiredCid ?? ''}`;
      },
      ['hookAuth', 'oauthIssuer'],
      'issuer and audience (tokens for one would be accepted for the other; set requiredCid to tell them apart)',
    ),
  );
  return problems;
}

function duplicates(
  tenants: readonly Tenant[],
  keyOf: (tenant: Tenant) => string | undefined,
  path: string[],
  what: string,
): Problem[] {
  const owner = new Map<string, string>();
  const problems: Problem[] = [];
  for (const tenant of tenants) {
    const key = keyOf(tenant);
    if (key === undefined) continue;
    const first = owner.get(key);
    if (first === undefined) owner.set(key, tenant.id);
    else
      problems.push({
        path: ['tenants', tenant.id, ...path],
        message: `has the same ${what} as tenant "${first}"`,
      });
  }
  return problems;
}
