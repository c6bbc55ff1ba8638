import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallbackRequest } from '../callbacks.ts';
import { VONAGE_CALLBACK_PATHS, vonageCallbacks } from './callbacks.ts';

const options = { maxSkewMs: 300_000 };
const receipt: CallbackRequest = {
  originalUrl: VONAGE_CALLBACK_PATHS.sms,
  header: () => undefined,
  isForm: false,
  body: { messageId: 'ABC123', status: 'failed', 'err-code': '1' },
  rawBody: undefined,
  receivedAt: Date.now(),
};

describe('Vonage callbacks fail closed', () => {
  it('are not served (404) when Vonage is not a configured provider', () => {
    assert.deepEqual(
      vonageCallbacks(undefined, options).map((e) => [e.path, e.configured]),
      [
        [VONAGE_CALLBACK_PATHS.sms, false],
        [VONAGE_CALLBACK_PATHS.voice, false],
      ],
    );
  });

  it('are not served without a signature secret, unless unsigned ones are explicitly allowed', async () => {
    assert.ok(vonageCallbacks({}, options).every((e) => !e.configured));
    assert.ok(vonageCallbacks({ allowUnsigned: false }, options).every((e) => !e.configured));
    const unsigned = vonageCallbacks({ allowUnsigned: true }, options);
    assert.ok(unsigned.every((e) => e.configured));
    const sms = unsigned[0];
    assert.ok(sms?.configured);
    assert.deepEqual(await sms.verify(receipt), { ok: true });
  });

  it('with a secret, refuse an unsigned receipt', async () => {
    const [sms] = vonageCallbacks({ signatureSecret: 'a-vonage-signature-secret-0001' }, options);
    assert.ok(sms?.configured);
    assert.equal((await sms.verify(receipt)).ok, false);
  });
});
