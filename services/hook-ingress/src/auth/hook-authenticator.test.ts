import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeaderSecretAuthenticator } from './hook-authenticator.ts';

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
