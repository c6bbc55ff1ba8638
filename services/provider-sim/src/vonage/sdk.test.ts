import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Vonage } from '@vonage/server-sdk';
import { startTestSimulator, type TestSimulator } from '../testing/harness.ts';

/**
 * The way our workers reach the simulator: @vonage/server-sdk takes restHost (SMS API) and apiHost (Voice
 * API) as base URLs with scheme and no trailing slash, and appends /sms/json and /v1/calls to them.
 */
function clientFor(
  t: TestSimulator,
  overrides: { apiSecret?: string; privateKey?: string } = {},
  timeout?: number,
) {
  return new Vonage(
    {
      apiKey: t.sim.vonage.apiKey,
      apiSecret: overrides.apiSecret ?? t.sim.vonage.apiSecret,
      applicationId: t.sim.vonage.applicationId,
      privateKey: overrides.privateKey ?? t.vonagePrivateKey ?? '',
    },
    { restHost: t.url, apiHost: t.url, ...(timeout === undefined ? {} : { timeout }) },
  );
}

interface SmsFailure {
  response: { messages: { status: string; errorText?: string }[] };
}

function smsFailureStatus(error: unknown): string | undefined {
  return (error as SmsFailure).response?.messages?.[0]?.status;
}

describe('the official @vonage/server-sdk against the simulator', () => {
  let t: TestSimulator;

  before(async () => {
    t = await startTestSimulator();
  });
  after(() => t.close());
  beforeEach(() => {
    t.sim.store.clear();
    t.sim.faults.clearAll();
  });

  it('sms.send delivers an SMS with ttl, client-ref and callback', async () => {
    const result = await clientFor(t).sms.send({
      to: '15551234567',
      from: 'ACME',
      text: 'Your verification code is 482913',
      ttl: 300_000,
      clientRef: 'event-42',
      callback: 'http://127.0.0.1:9/dlr',
    });
    assert.equal(result.messageCount, '1');
    const [message] = result.messages;
    assert.equal(message?.status, '0');
    const record = t.sim.store.findBySid(String(message?.messageId));
    assert.equal(record?.body, 'Your verification code is 482913');
    assert.equal(record?.ttlMs, 300_000);
    assert.equal(record?.clientRef, 'event-42');
    assert.equal(record?.statusCallback, 'http://127.0.0.1:9/dlr');
  });

  it('sms.send throws an SMSFailure carrying Vonage status codes', async () => {
    await assert.rejects(
      clientFor(t).sms.send({ to: '15005550003', from: 'ACME', text: 'x' }),
      (error: unknown) => {
        // Vonage sends "message-count" as a string and the SDK compares it with a number (failures ===
        // totalMessages), so even a single refused message surfaces as MessageSendPartialFailure, as it does
        // against the real API. Adapters must read response.messages[].status, not the class.
        assert.equal((error as Error).constructor.name, 'MessageSendPartialFailure');
        assert.equal(smsFailureStatus(error), '7');
        return true;
      },
    );
    await assert.rejects(
      clientFor(t, { apiSecret: 'wrong' }).sms.send({ to: '15551234567', from: 'ACME', text: 'x' }),
      (error: unknown) => {
        assert.equal(smsFailureStatus(error), '4');
        return true;
      },
    );
    t.sim.faults.set('vonage', { throttleRate: 1 });
    await assert.rejects(
      clientFor(t).sms.send({ to: '15551234567', from: 'ACME', text: 'x' }),
      (error: unknown) => {
        assert.equal(smsFailureStatus(error), '1');
        return true;
      },
    );
    assert.equal(t.sim.store.query().length, 0);
  });

  it('voice.createOutboundCall places a call whose talk NCCO is recorded as speech', async () => {
    const call = await clientFor(t).voice.createOutboundCall({
      to: [{ type: 'phone', number: '15551234567' }],
      from: { type: 'phone', number: '15557654321' },
      ncco: [{ action: 'talk', text: 'Ihr Code lautet 4 8 2 9 1 3', language: 'de-DE', style: 1, loop: 3 }],
      eventUrl: ['http://127.0.0.1:9/events'],
      ringingTimer: 30,
    } as Parameters<Vonage['voice']['createOutboundCall']>[0]);
    assert.match(call.uuid, /^[0-9a-f-]{36}$/);
    assert.equal(call.status, 'started');
    const record = t.sim.store.findBySid(call.uuid);
    assert.equal(record?.speech?.text, Array(3).fill('Ihr Code lautet 4 8 2 9 1 3').join(' '));
    assert.equal(record?.speech?.language, 'de-DE');
    assert.equal(record?.timeout, 30);
    assert.equal(record?.statusCallback, 'http://127.0.0.1:9/events');
  });

  it('voice errors surface as the SDK errors carrying the HTTP response', async () => {
    const invalid = clientFor(t).voice.createOutboundCall({
      to: [{ type: 'phone', number: '+15551234567' }],
      from: { type: 'phone', number: '15557654321' },
      ncco: [{ action: 'talk', text: 'x' }],
    } as Parameters<Vonage['voice']['createOutboundCall']>[0]);
    await assert.rejects(invalid, (error: unknown) => {
      const response = (error as { response?: Response }).response;
      assert.equal(response?.status, 400);
      return true;
    });
    t.sim.faults.set('vonage', { hangRate: 1 });
    await assert.rejects(
      clientFor(t, {}, 200).voice.createOutboundCall({
        to: [{ type: 'phone', number: '15551234567' }],
        from: { type: 'phone', number: '15557654321' },
        ncco: [{ action: 'talk', text: 'x' }],
      } as Parameters<Vonage['voice']['createOutboundCall']>[0]),
      /abort/i,
    );
  });
});
