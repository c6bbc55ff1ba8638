/**
 * The ingress never calls a provider: it verifies their callbacks through @byot/providers/registry and keeps
 * records through @byot/delivery/records. Neither may pull a provider SDK in (tens of MB and start-up time).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modulesLoadedBy, PROVIDER_SDK_MODULE } from '@byot/testkit';

describe('hook-ingress modules', () => {
  it('load no provider SDK', async () => {
    const loaded = await modulesLoadedBy(new URL('../src/app.ts', import.meta.url));
    assert.ok(
      loaded.some((url) => url.endsWith('/src/callbacks/router.ts')),
      'the probe saw the callback router',
    );
    assert.deepEqual(
      loaded.filter((url) => PROVIDER_SDK_MODULE.test(url)),
      [],
    );
  });
});
