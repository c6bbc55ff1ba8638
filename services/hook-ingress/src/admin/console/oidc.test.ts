import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@byot/config';
import { consoleSettings } from './config.ts';
import { principalFromClaims } from './oidc.ts';
import { fixedTenants } from './principal.ts';

const settings = {
  rolesClaim: 'groups',
  operatorGroup: 'byot-operators',
  viewerGroupPrefix: 'byot-viewers-',
};
const tenants = fixedTenants({ default: undefined, acme: undefined });

describe('Sign in with Okta: who gets which role', () => {
  it('makes the operator group an operator, whatever else the person is in', () => {
    assert.deepEqual(
      principalFromClaims(
        { sub: '00u1', email: 'olivia@example.com', groups: ['byot-viewers-acme', 'byot-operators'] },
        settings,
        tenants,
      ),
      { role: 'operator', name: 'olivia@example.com', via: 'oidc' },
    );
  });

  it('makes byot-viewers-<tenant> a viewer of that tenant, and only of one that exists', () => {
    assert.deepEqual(
      principalFromClaims({ sub: '00u2', groups: ['Everyone', 'byot-viewers-acme'] }, settings, tenants),
      {
        role: 'viewer',
        tenant: 'acme',
        name: '00u2',
        via: 'oidc',
      },
    );
    assert.equal(
      principalFromClaims({ sub: '00u3', groups: ['byot-viewers-globex'] }, settings, tenants),
      undefined,
    );
    assert.equal(
      principalFromClaims({ sub: '00u3', groups: ['byot-viewers-../x'] }, settings, tenants),
      undefined,
    );
  });

  it('refuses a person without a group that gives a role, or without the claim', () => {
    assert.equal(
      principalFromClaims({ sub: '00u4', groups: ['Everyone', 'sales'] }, settings, tenants),
      undefined,
    );
    assert.equal(principalFromClaims({ sub: '00u5' }, settings, tenants), undefined);
    assert.equal(
      principalFromClaims({ sub: '00u6', groups: 'byot-operators' }, settings, tenants)?.role,
      'operator',
    );
  });
});

describe('console settings', () => {
  const base = {
    CONSOLE_OIDC_SCOPES: 'openid profile email groups',
    CONSOLE_OIDC_ROLES_CLAIM: 'groups',
    CONSOLE_OIDC_OPERATOR_GROUP: 'byot-operators',
    CONSOLE_OIDC_VIEWER_GROUP_PREFIX: 'byot-viewers-',
    CONSOLE_SESSION_IDLE_SECONDS: 1_800,
    CONSOLE_SESSION_MAX_SECONDS: 28_800,
    CONSOLE_SIGN_IN_MAX_FAILURES: 10,
    CONSOLE_SIGN_IN_WINDOW_SECONDS: 900,
  };

  it('names what is missing when Sign in with Okta is half configured', () => {
    assert.throws(
      () => consoleSettings({ ...base, CONSOLE_OIDC_ISSUER: 'https://acme.okta.com' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.length === 2 &&
        error.problems.every((p) => /^CONSOLE_OIDC_CLIENT_(ID|SECRET): required/.test(p)),
    );
  });

  it('is token-only without OIDC, and refuses an idle timeout longer than the session', () => {
    assert.equal(consoleSettings(base).oidc, undefined);
    assert.throws(() => consoleSettings({ ...base, CONSOLE_SESSION_IDLE_SECONDS: 30_000 }), ConfigError);
    const full = consoleSettings({
      ...base,
      CONSOLE_OIDC_ISSUER: 'https://acme.okta.com',
      CONSOLE_OIDC_CLIENT_ID: 'client',
      CONSOLE_OIDC_CLIENT_SECRET: 'secret-secret',
    });
    assert.equal(full.oidc?.issuer.href, 'https://acme.okta.com/');
  });
});
