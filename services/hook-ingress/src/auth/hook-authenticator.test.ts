import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AnyOfAuthenticators,
  type AuthResult,
  HeaderSecretAuthenticator,
  type HookAuthenticator,
} from './hook-authenticator.ts';

describe('HeaderSecretAuthenticator', () => {
  const auth = new HeaderSecretAuthenticator('Authorization', 'Basic dXNlcjpwYXNzd29yZA==');

  it('accepts the exact value under the configured header (any case of the name)', async () => {
    assert.deepEqual(await auth.authenticate({ authorization: 'Basic dXNlcjpwYXNzd29yZA==' }), {
      ok: true,
      scheme: 'header',
    });
  });

  it('refuses a missing, different, longer or shorter value', async () => {
    assert.deepEqual(await auth.authenticate({}), {
      ok: false,
      reason: 'missing-credentials',
      scheme: 'header',
    });
    for (const value of [
      'Basic dXNlcjpwYXNzd29yZA=',
      'Basic dXNlcjpwYXNzd29yZA==x',
      'basic dXNlcjpwYXNzd29yZA==',
      '',
    ]) {
      const result = await auth.authenticate({ authorization: value });
      assert.equal(result.ok, false, value);
    }
  });

  it('reads a custom header name', async () => {
    const custom = new HeaderSecretAuthenticator('X-Okta-Hook-Secret', 's3cret-value-long-enough');
    assert.equal((await custom.authenticate({ 'x-okta-hook-secret': 's3cret-value-long-enough' })).ok, true);
    assert.equal((await custom.authenticate({ authorization: 's3cret-value-long-enough' })).ok, false);
  });
});

describe('AnyOfAuthenticators (OKTA_HOOK_AUTH=header,oauth)', () => {
  const fixed = (result: AuthResult): HookAuthenticator => ({ authenticate: async () => result });
  const challenge = 'Bearer realm="byot", error="invalid_token"';

  it('accepts when any scheme accepts, in order', async () => {
    const auth = new AnyOfAuthenticators([
      fixed({ ok: false, reason: 'bad-credentials', scheme: 'header' }),
      fixed({ ok: true, scheme: 'oauth' }),
    ]);
    assert.deepEqual(await auth.authenticate({}), { ok: true, scheme: 'oauth' });
  });

  it('reports the failure that saw a credential, with any challenge offered', async () => {
    const headerWrong = new AnyOfAuthenticators([
      fixed({ ok: false, reason: 'bad-credentials', scheme: 'header' }),
      fixed({ ok: false, reason: 'missing-credentials', scheme: 'oauth', challenge: 'Bearer realm="byot"' }),
    ]);
    assert.deepEqual(await headerWrong.authenticate({}), {
      ok: false,
      reason: 'bad-credentials',
      scheme: 'header',
      challenge: 'Bearer realm="byot"',
    });
    const tokenWrong = new AnyOfAuthenticators([
      fixed({ ok: false, reason: 'missing-credentials', scheme: 'header' }),
      fixed({ ok: false, reason: 'token-expired', scheme: 'oauth', challenge }),
    ]);
    assert.deepEqual(await tokenWrong.authenticate({}), {
      ok: false,
      reason: 'token-expired',
      scheme: 'oauth',
      challenge,
    });
  });
});
