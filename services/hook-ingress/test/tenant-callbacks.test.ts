/**
 * Status callbacks per tenant (issue 13): `/v1/callbacks/{tenant}/…`, each verified with that tenant's own
 * provider secrets, each event stamped with its tenant, on a real Redis status queue. A callback signed with
 * tenant A's secret is refused on tenant B's path.
 */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { afterEach, before, describe, it } from 'node:test';
import type { StatusEvent } from '@byot/contracts';
import { createStatusQueue, type StatusQueue } from '@byot/redis';
import { sharedTestRedis } from '@byot/testkit';
import twilio from 'twilio';
import { QueueStatusSink } from '../src/callbacks/index.ts';
import { capturedLogger } from './support/oauth-fixtures.ts';
import { startTenantHarness, type TenantHarness, tenantsYaml } from './support/tenant-harness.ts';

const ACME_TWILIO = 'acme-twilio-token-0001';
const GLOBEX_TWILIO = 'globex-twilio-token-01';
const ACME_VONAGE = 'acme-vonage-signature-secret';
const sendgridKey = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ACME_SENDGRID = sendgridKey();
const GLOBEX_SENDGRID = sendgridKey();
const spki = (k: ReturnType<typeof sendgridKey>) =>
  k.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

let redisUrl: string;
const open: { h: TenantHarness; queue: StatusQueue }[] = [];
before(async () => {
  redisUrl = (await sharedTestRedis()).url;
});
afterEach(async () => {
  for (const { h, queue } of open.splice(0)) {
    await queue.close();
    await h.close();
  }
});

/** acme: Twilio, Vonage (signed receipts) and SendGrid; globex: Twilio and SendGrid; default: Twilio. */
function yaml(): string {
  return tenantsYaml()
    .replace(
      '    defaultRegion: GB\n',
      `    defaultRegion: GB
    sms: [twilio, vonage]
    vonage: { apiKey: acme-key, apiSecret: acme-vonage-api-secret, fromNumber: ACME, signatureSecret: "${ACME_VONAGE}" }
    sendgrid: { eventPublicKey: "${spki(ACME_SENDGRID)}" }
`,
    )
    .replace(
      /( {4}twilio: \{ accountSid: "ACb+", [^\n]*\n)/,
      `$1    sendgrid: { eventPublicKey: "${spki(GLOBEX_SENDGRID)}" }\n`,
    );
}

async function harness() {
  let queue: StatusQueue | undefined;
  const captured = capturedLogger();
  const h = await startTenantHarness({
    redisUrl,
    log: captured.log,
    withWorker: false,
    yaml,
    extend: ({ producer, keyspace, directory, url }) => {
      queue = createStatusQueue(producer, keyspace);
      return {
        tenantCallbacks: {
          directory,
          base: {
            sink: new QueueStatusSink(queue, {
              connected: () => producer.status === 'ready',
              timeoutMs: 1_000,
            }),
            log: captured.log,
            maxBodyBytes: 16_384,
          },
          publicBaseUrl: url,
          vonageAllowUnsigned: false,
        },
      };
    },
  });
  const q = queue as StatusQueue;
  open.push({ h, queue: q });
  const events = async () =>
    (await q.getJobs(['waiting', 'prioritized', 'delayed'])).map((j) => j.data as StatusEvent);
  return { h, events, captured };
}

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const smsParams = (sid: string, account: string): Record<string, string> => ({
  AccountSid: account,
  MessageSid: sid,
  MessageStatus: 'delivered',
});
async function postTwilio(url: string, params: Record<string, string>, token: string) {
  const r = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, params),
    },
    body: form(params),
  });
  return r.status;
}

function signDlr(params: Record<string, string>, secret: string): Record<string, string> {
  const data = Object.keys(params)
    .sort()
    .map((k) => `&${k}=${(params[k] ?? '').replace(/[&=]/g, '_')}`)
    .join('');
  return { ...params, sig: createHmac('sha256', secret).update(data).digest('hex').toUpperCase() };
}
const dlr = (id: string) => ({
  msisdn: '15551234567',
  to: 'ACME',
  messageId: id,
  status: 'delivered',
  'err-code': '0',
  'message-timestamp': '2026-01-01 00:00:00',
  timestamp: String(Math.floor(Date.now() / 1000)),
  nonce: randomUUID(),
});

function sendgridRequest(body: string, key: ReturnType<typeof sendgridKey>) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-timestamp': timestamp,
      'x-twilio-email-event-webhook-signature': sign('sha256', Buffer.from(timestamp + body), {
        key: key.privateKey,
        dsaEncoding: 'der',
      }).toString('base64'),
    },
    body,
  };
}

describe('status callbacks per tenant', () => {
  it("verifies Twilio's callbacks with each tenant's own auth token; A's signature is refused on B's path", async () => {
    const { h, events } = await harness();
    const acmeUrl = `${h.url}/v1/callbacks/acme/twilio/messages?d=byot-acme.evt1`;
    const globexUrl = `${h.url}/v1/callbacks/globex/twilio/messages?d=byot-globex.evt1`;
    const acmeSid = 'SM0000000000000000000000000000aaaa';
    const globexSid = 'SM0000000000000000000000000000bbbb';
    assert.equal(await postTwilio(acmeUrl, smsParams(acmeSid, `AC${'a'.repeat(32)}`), ACME_TWILIO), 204);
    assert.equal(
      await postTwilio(globexUrl, smsParams(globexSid, `AC${'b'.repeat(32)}`), GLOBEX_TWILIO),
      204,
    );
    // Signed with acme's token, posted on globex's path (its URL signed, too): refused.
    assert.equal(
      await postTwilio(globexUrl, smsParams('SM0000000000000000000000000000cccc', 'x'), ACME_TWILIO),
      403,
    );
    // The default tenant keeps today's path, with its own token only.
    const defaultUrl = `${h.url}/v1/callbacks/twilio/messages`;
    assert.equal(
      await postTwilio(defaultUrl, smsParams('SM0000000000000000000000000000dddd', 'x'), ACME_TWILIO),
      403,
    );
    assert.equal(
      await postTwilio(
        defaultUrl,
        smsParams('SM0000000000000000000000000000eeee', 'x'),
        'default-twilio-token-1',
      ),
      204,
    );
    const byId = Object.fromEntries(
      (await events()).map((e) => [e.providerMessageId, e.tenant ?? 'default']),
    );
    assert.deepEqual(byId, {
      [acmeSid]: 'acme',
      [globexSid]: 'globex',
      SM0000000000000000000000000000eeee: 'default',
    });
  });

  it("verifies Vonage receipts with the tenant's signature secret; a tenant without Vonage has no such path", async () => {
    const { h, events } = await harness();
    const post = (tenant: string, body: Record<string, string>) =>
      fetch(`${h.url}/v1/callbacks/${tenant}/vonage/sms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.status);
    assert.equal(await post('acme', signDlr(dlr('vonage-acme-1'), ACME_VONAGE)), 204);
    assert.equal(await post('acme', signDlr(dlr('vonage-acme-2'), 'another-tenants-secret')), 403);
    // globex does not list Vonage: its Vonage paths are not served (fail closed).
    assert.equal(await post('globex', signDlr(dlr('vonage-globex-1'), ACME_VONAGE)), 404);
    assert.deepEqual(
      (await events()).map((e) => [e.providerMessageId, e.tenant]),
      [['vonage-acme-1', 'acme']],
    );
  });

  it("verifies SendGrid events with the tenant's own key; acme's signature is refused on globex's path", async () => {
    const { h, events } = await harness();
    const body = (id: string) =>
      JSON.stringify([
        { event: 'delivered', sg_message_id: `${id}.filter0001`, timestamp: Math.floor(Date.now() / 1000) },
      ]);
    const at = (tenant: string) => `${h.url}/v1/callbacks/${tenant}/sendgrid/events`;
    assert.equal((await fetch(at('acme'), sendgridRequest(body('sgacme1'), ACME_SENDGRID))).status, 204);
    assert.equal((await fetch(at('globex'), sendgridRequest(body('sgglobex1'), ACME_SENDGRID))).status, 403);
    assert.equal(
      (await fetch(at('globex'), sendgridRequest(body('sgglobex2'), GLOBEX_SENDGRID))).status,
      204,
    );
    assert.deepEqual((await events()).map((e) => e.tenant).sort(), ['acme', 'globex']);
  });

  it('answers an unknown tenant 404 as any unknown path', async () => {
    const { h } = await harness();
    const url = `${h.url}/v1/callbacks/initech/twilio/messages`;
    assert.equal(
      await postTwilio(url, smsParams('SM0000000000000000000000000000ffff', 'x'), ACME_TWILIO),
      404,
    );
  });
});
