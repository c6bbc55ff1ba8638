import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { Vonage } from '@vonage/server-sdk';
import { jwtVerify } from 'jose';
import twilio from 'twilio';
import {
  sendGridEventKey,
  sendGridSignature,
  twilioSignature,
  vonageSmsSignature,
  vonageWebhookJwt,
} from './signing.ts';

describe('callback signatures, checked with the providers’ own helpers', () => {
  it('Twilio: twilio.validateRequest accepts the signature, for exactly this URL and these parameters', () => {
    const url = 'https://hooks.example.com/twilio/status?event=abc';
    const params: [string, string][] = [
      ['MessageStatus', 'delivered'],
      ['MessageSid', 'SM123'],
      ['AccountSid', 'AC123'],
      ['ErrorCode', '30003'],
    ];
    const signature = twilioSignature('token', url, params);
    const asObject = Object.fromEntries(params);
    assert.equal(signature, twilio.getExpectedTwilioSignature('token', url, asObject));
    assert.equal(twilio.validateRequest('token', signature, url, asObject), true);
    assert.equal(twilio.validateRequest('other-token', signature, url, asObject), false);
    assert.equal(
      twilio.validateRequest('token', signature, 'https://hooks.example.com/other', asObject),
      false,
    );
    assert.equal(
      twilio.validateRequest('token', signature, url, { ...asObject, MessageStatus: 'failed' }),
      false,
    );
  });

  it('Vonage SMS: @vonage/sms verifySignature (SHA-256 HMAC) accepts the sig', () => {
    const sms = new Vonage({ apiKey: 'k', apiSecret: 's' }).sms;
    const params: Record<string, string> = {
      messageId: 'abc',
      msisdn: '15551234567',
      status: 'delivered',
      'client-ref': 'a&b=c',
      timestamp: '1767225600',
      nonce: 'n-1',
    };
    const sig = vonageSmsSignature('signature-secret', params);
    assert.match(sig, /^[0-9A-F]{64}$/);
    const verify = (secret: string, p: Record<string, string>) =>
      sms.verifySignature(sig, p, secret, 'SHA256HMAC' as Parameters<typeof sms.verifySignature>[3]);
    assert.equal(verify('signature-secret', { ...params, sig }), true);
    assert.equal(verify('another-secret', params), false);
    assert.equal(verify('signature-secret', { ...params, status: 'failed' }), false);
  });

  it('Vonage voice: an HS256 JWT with the signature secret, whose payload_hash is the body’s SHA-256', async () => {
    const body = JSON.stringify({ uuid: 'u', status: 'completed' });
    const token = await vonageWebhookJwt('signature-secret', {
      apiKey: 'k',
      applicationId: 'app',
      body,
      nowMs: Date.now(),
    });
    const { payload, protectedHeader } = await jwtVerify(
      token,
      new TextEncoder().encode('signature-secret'),
      {
        algorithms: ['HS256'],
        issuer: 'Vonage',
      },
    );
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(payload.api_key, 'k');
    assert.equal(payload.application_id, 'app');
    assert.equal(payload.payload_hash, createHash('sha256').update(body).digest('hex'));
    assert.ok(typeof payload.jti === 'string' && typeof payload.iat === 'number');
    await assert.rejects(jwtVerify(token, new TextEncoder().encode('wrong')));
  });

  it('SendGrid: @sendgrid/eventwebhook verifies the ECDSA signature with the Base64 public key', () => {
    const key = sendGridEventKey();
    const body = JSON.stringify([{ email: 'a@b.co', event: 'delivered', timestamp: 1767225600 }]);
    const signature = sendGridSignature(key, '1767225600', body);
    const webhook = new EventWebhook();
    const publicKey = webhook.convertPublicKeyToECDSA(key.publicKeyBase64);
    assert.equal(webhook.verifySignature(publicKey, body, signature, '1767225600'), true);
    assert.equal(webhook.verifySignature(publicKey, body, signature, '1767225601'), false);
    assert.equal(webhook.verifySignature(publicKey, `${body} `, signature, '1767225600'), false);
  });

  it('SendGrid: a configured key must be an EC P-256 private key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const key = sendGridEventKey(pem);
    assert.equal(
      key.publicKeyBase64,
      ec.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    assert.throws(() => sendGridEventKey(rsa.toString()), /EC P-256/);
    assert.throws(() => sendGridEventKey('nope'), /not a PEM private key/);
  });
});
