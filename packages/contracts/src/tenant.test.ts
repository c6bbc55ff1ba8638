import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendJobSchema } from './jobs.ts';
import { EVENT_ID_PATTERN } from './okta-hook.ts';
import { jobIdFor } from './queue-catalog.ts';
import { isTenantId, scopedEventId, splitScopedEventId } from './tenant.ts';

describe('tenants in the contracts', () => {
  it('scope an eventId by tenant: the default tenant keeps the bare id, the others are apart', () => {
    assert.equal(scopedEventId('default', 'uS5871kJThSsU8qlA1LTcg'), 'uS5871kJThSsU8qlA1LTcg');
    assert.equal(scopedEventId(undefined, 'uS5871kJThSsU8qlA1LTcg'), 'uS5871kJThSsU8qlA1LTcg');
    assert.equal(scopedEventId('acme', 'uS5871kJThSsU8qlA1LTcg'), 'acme.uS5871kJThSsU8qlA1LTcg');
    // The same eventId in two orgs is two deliveries (two job ids, two records).
    assert.notEqual(
      jobIdFor(scopedEventId('acme', 'evt-123456')),
      jobIdFor(scopedEventId('globex', 'evt-123456')),
    );
    // Tenants whose ids overlap cannot collide: '.' is in neither alphabet.
    assert.notEqual(scopedEventId('a', 'b-xyz123'), scopedEventId('a-b', 'xyz123'));
    assert.ok(
      !EVENT_ID_PATTERN.test('acme.uS5871kJThSsU8qlA1LTcg'),
      'a scoped id is never mistaken for an eventId',
    );
    assert.deepEqual(splitScopedEventId('acme.uS5871kJ'), { tenant: 'acme', eventId: 'uS5871kJ' });
    assert.deepEqual(splitScopedEventId('uS5871kJ'), { tenant: 'default', eventId: 'uS5871kJ' });
    assert.ok(
      isTenantId('acme-eu') && !isTenantId('Acme') && !isTenantId('-acme') && !isTenantId('a'.repeat(41)),
    );
  });

  it('a send job may carry its tenant; one from before tenancy has none', () => {
    const job = {
      version: 1,
      eventId: 'acme.evt123456',
      deliveryId: 'byot-acme.evt123456',
      channel: 'sms',
      requestType: 'com.okta.user.telephony.mfa-verification',
      otpExpiresAt: 1,
      receivedAt: 1,
      phoneMasked: '+1•••••••12',
      sealed: 'x',
    };
    assert.equal(sendJobSchema.parse({ ...job, tenant: 'acme' }).tenant, 'acme');
    assert.equal(sendJobSchema.parse(job).tenant, undefined);
    assert.equal(sendJobSchema.safeParse({ ...job, tenant: 'Not A Tenant' }).success, false);
  });
});
