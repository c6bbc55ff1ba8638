import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NORMALISED_STATUSES, type StatusChannel } from '@byot/contracts';
import { modulesLoadedBy, PROVIDER_SDK_MODULE } from '@byot/testkit';
import {
  callbackEndpoints,
  callbackPath,
  describeProviderCode,
  normaliseProviderStatus,
  PROVIDERS,
  providerDisplayName,
  providerNamed,
  tenantCallbackPath,
} from './registry.ts';

describe('the provider registry', () => {
  it("puts each tenant's receipts on its own callback paths; the default tenant keeps today's", () => {
    const paths = (tenant: string | undefined) =>
      [
        callbackPath('twilio', 'sms'),
        callbackPath('twilio', 'voice'),
        callbackPath('vonage', 'sms'),
        callbackPath('vonage', 'voice'),
        callbackPath('sendgrid', 'email'),
      ].map((path) => tenantCallbackPath(path as string, tenant));
    assert.deepEqual(paths('acme'), [
      '/v1/callbacks/acme/twilio/messages',
      '/v1/callbacks/acme/twilio/calls',
      '/v1/callbacks/acme/vonage/sms',
      '/v1/callbacks/acme/vonage/voice',
      '/v1/callbacks/acme/sendgrid/events',
    ]);
    assert.deepEqual(paths('default'), paths(undefined));
    assert.deepEqual(paths(undefined), [
      '/v1/callbacks/twilio/messages',
      '/v1/callbacks/twilio/calls',
      '/v1/callbacks/vonage/sms',
      '/v1/callbacks/vonage/voice',
      '/v1/callbacks/sendgrid/events',
    ]);
  });

  it('says what an error code means, in words, and apart for receipts and requests where a provider numbers them apart', () => {
    assert.equal(describeProviderCode('twilio', '30003', 'receipt'), 'the handset unreachable');
    assert.equal(describeProviderCode('twilio', '21610', 'request'), 'that the person replied STOP');
    assert.equal(describeProviderCode('vonage', '1', 'receipt'), 'an unknown error');
    assert.equal(describeProviderCode('vonage', '1', 'request'), 'too many requests');
    assert.equal(describeProviderCode('vonage', 'toString', 'receipt'), undefined);
    assert.equal(describeProviderCode('nexmo', '1', 'receipt'), undefined);
    assert.equal(providerDisplayName('sendgrid'), 'SendGrid');
    assert.equal(providerDisplayName('email:sendgrid'), 'email:sendgrid');
  });

  it('every provider’s vocabulary maps into the normalised one', () => {
    for (const provider of Object.values(PROVIDERS)) {
      for (const channel of Object.keys(provider.callbackPaths) as StatusChannel[]) {
        for (const raw of ['delivered', 'failed', 'busy', 'toString', '__proto__'])
          assert.ok(
            (NORMALISED_STATUSES as readonly string[]).includes(provider.normaliseStatus(channel, raw)),
          );
      }
    }
    assert.equal(normaliseProviderStatus('nobody', 'sms', 'delivered'), 'unknown');
  });

  it('keeps the callback paths the ingress has always served, each on exactly one endpoint', () => {
    assert.equal(callbackPath('twilio', 'sms'), '/v1/callbacks/twilio/messages');
    assert.equal(callbackPath('twilio', 'voice'), '/v1/callbacks/twilio/calls');
    assert.equal(callbackPath('vonage', 'sms'), '/v1/callbacks/vonage/sms');
    assert.equal(callbackPath('vonage', 'voice'), '/v1/callbacks/vonage/voice');
    assert.equal(callbackPath('sendgrid', 'email'), '/v1/callbacks/sendgrid/events');
    const served = callbackEndpoints({}, { maxSkewMs: 300_000 }).map((e) => e.path);
    assert.equal(new Set(served).size, served.length);
    assert.deepEqual(
      served.sort(),
      Object.values(PROVIDERS)
        .flatMap((p) => Object.values(p.callbackPaths))
        .sort(),
    );
    assert.throws(() => providerNamed('nexmo'), /unknown provider "nexmo"/);
  });

  it('loads no provider SDK (the ingress verifies receipts with it); the package root does', async () => {
    const registry = await modulesLoadedBy(new URL('./registry.ts', import.meta.url));
    assert.deepEqual(
      registry.filter((url) => PROVIDER_SDK_MODULE.test(url)),
      [],
    );
    const everything = await modulesLoadedBy(new URL('./index.ts', import.meta.url));
    assert.ok(everything.some((url) => PROVIDER_SDK_MODULE.test(url)));
  });
});
