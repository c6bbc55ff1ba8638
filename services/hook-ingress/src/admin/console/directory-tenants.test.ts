import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTenantsFile, TenantDirectory } from '@byot/tenancy';
import { demoTenants, demoTenantsFile } from '@byot/testkit';
import { directoryTenants } from './directory-tenants.ts';
import { principalFromClaims } from './oidc.ts';
import { credentialFingerprint, principalForToken } from './principal.ts';

/** A real tenants file of these demo tenants, loaded as the ingress loads it. */
function loaded(ids: string[]) {
  const tenants = demoTenants(ids);
  const { yaml, env } = demoTenantsFile(tenants);
  const file = join(mkdtempSync(join(tmpdir(), 'byot-console-tenants-')), 'tenants.yaml');
  writeFileSync(file, yaml);
  const result = loadTenantsFile(file, { env });
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return { tenants, config: result.config };
}

describe('the console over the tenant directory', () => {
  it("lists every tenant, signs each adminToken (and byot-viewers-{tenant}) in as its tenant's viewer, and follows reloads", () => {
    const first = loaded(['acme', 'globex']);
    const directory = new TenantDirectory(first.config, { retainRemovedMs: 60_000 });
    const tenants = directoryTenants(directory);
    const [acme, globex] = first.tenants as [(typeof first.tenants)[0], (typeof first.tenants)[0]];
    const adminToken = 'msp-admin-token-0123456789';

    assert.deepEqual(tenants.ids(), ['acme', 'globex']);
    assert.equal(tenants.hasViewerTokens(), true);
    assert.equal(tenants.reloadable, true);
    assert.deepEqual(principalForToken(acme.adminToken, adminToken, tenants), {
      role: 'viewer',
      tenant: 'acme',
      name: 'acme admin token',
      via: 'token',
    });
    assert.equal(principalForToken(globex.adminToken, adminToken, tenants)?.role, 'viewer');
    assert.equal(principalForToken(adminToken, adminToken, tenants)?.role, 'operator');
    assert.equal(principalForToken('not-a-token-of-anyone', adminToken, tenants), undefined);

    assert.equal(tenants.viewerCredential('acme'), credentialFingerprint(acme.adminToken));

    // A reload: globex removed, initech added. Its token signs in; globex's no longer does.
    const second = loaded(['acme', 'initech']);
    const initech = second.tenants[1] as (typeof second.tenants)[0];
    directory.replace(second.config);
    assert.deepEqual(tenants.ids(), ['acme', 'initech']);
    assert.equal(principalForToken(globex.adminToken, undefined, tenants), undefined);
    assert.deepEqual(principalForToken(initech.adminToken, undefined, tenants), {
      role: 'viewer',
      tenant: 'initech',
      name: 'initech admin token',
      via: 'token',
    });
    // Sign in with Okta: byot-viewers-{tenant} for the tenants of the file as it is now.
    const groups = {
      rolesClaim: 'groups',
      operatorGroup: 'byot-operators',
      viewerGroupPrefix: 'byot-viewers-',
    };
    assert.deepEqual(
      principalFromClaims({ sub: '00u1', groups: ['byot-viewers-initech'] }, groups, tenants),
      {
        role: 'viewer',
        tenant: 'initech',
        name: '00u1',
        via: 'oidc',
      },
    );
    assert.equal(
      principalFromClaims({ sub: '00u2', groups: ['byot-viewers-globex'] }, groups, tenants),
      undefined,
    );
    // The reloaded acme has a fresh token (demoTenants makes new secrets): the old one is refused.
    assert.equal(principalForToken(acme.adminToken, undefined, tenants), undefined);
    // …and the sessions the old token opened end: their fingerprint no longer matches, globex's is gone.
    assert.notEqual(tenants.viewerCredential('acme'), credentialFingerprint(acme.adminToken));
    assert.equal(tenants.viewerCredential('globex'), undefined);
  });
});
