import assert from 'node:assert/strict';
import { it } from 'node:test';
import { serviceKind } from './harness.ts';

it('reports memory per kind of service, whatever the replica number', () => {
  assert.equal(serviceKind('sms-worker-3'), 'sms-worker');
  assert.equal(serviceKind('hook-ingress-2'), 'hook-ingress');
  assert.equal(serviceKind('provider-sim'), 'provider-sim');
});
