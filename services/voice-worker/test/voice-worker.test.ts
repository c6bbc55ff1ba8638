/**
 * The voice-worker as a real process: jobs go into its queue the way hook-ingress puts them (sealed, keyed by
 * eventId), calls come out at the provider simulator (in-process here, so its records can be read directly).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deliveryIdFor, jobIdFor, type SendJob } from '@byot/contracts';
import { DeliveryStore } from '@byot/delivery';
import { startTestSimulator, type TestSimulator } from '@byot/provider-sim/testing';
import { callbackPath, type SHIPPED_LANGUAGES } from '@byot/providers';
import {
  closeQueue,
  closeRedis,
  createKeyspace,
  createRedisConnection,
  createSendQueue,
  type SendQueue,
} from '@byot/redis';
import { createSealer, type Sealer } from '@byot/sealing';
import {
  eventually,
  getFreePort,
  type ManagedProcess,
  nodeServiceArgs,
  repoRoot,
  sharedTestRedis,
  startProcess,
  uniquePrefix,
} from '@byot/testkit';
import type { Redis } from 'ioredis';

const PUBLIC_BASE_URL = 'https://byot.example.com';
const LOCALES: Record<(typeof SHIPPED_LANGUAGES)[number], [string, string, string]> = {
  // Okta locale, <Say language>, intro
  en: ['EN-US', 'en-US', 'Your verification code is'],
  es: ['es-ES', 'es-ES', 'Su código de verificación es'],
  fr: ['fr-FR', 'fr-FR', 'Votre code de vérification est'],
  de: ['de', 'de-DE', 'Ihr Bestätigungscode lautet'],
  it: ['it-IT', 'it-IT', 'Il tuo codice di verifica è'],
  pt: ['pt-BR', 'pt-BR', 'Seu código de verificação é'],
  nl: ['nl', 'nl-NL', 'Uw verificatiecode is'],
  ja: ['ja-JP', 'ja-JP', '認証コードは'],
  zh: ['zh-CN', 'cmn-CN', '您的验证码是'],
  ko: ['ko', 'ko-KR', '인증 코드는'],
  pl: ['pl-PL', 'pl-PL', 'Twój kod weryfikacyjny to'],
  sv: ['sv-SE', 'sv-SE', 'Din verifieringskod är'],
};

let sim: TestSimulator;
let worker: ManagedProcess;
let producer: Redis;
let queue: SendQueue;
let store: DeliveryStore;
let sealer: Sealer;
const codesUsed: string[] = [];
const phonesUsed: string[] = [];

before(async () => {
  const redisUrl = (await sharedTestRedis()).url;
  sim = await startTestSimulator();
  const prefix = uniquePrefix('voice-worker');
  const key = randomBytes(32);
  const healthPort = await getFreePort();
  worker = await startProcess({
    name: 'voice-worker',
    args: nodeServiceArgs(join(repoRoot(), 'services/voice-worker/src/main.ts')),
    env: {
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      DATA_ENCRYPTION_KEY: key.toString('base64'),
      TWILIO_ACCOUNT_SID: sim.sim.twilio.accountSid,
      TWILIO_AUTH_TOKEN: sim.sim.twilio.authToken,
      TWILIO_FROM_NUMBER: '+15005550006',
      TWILIO_API_BASE_URL: sim.url,
      PUBLIC_BASE_URL,
      HEALTH_PORT: String(healthPort),
      HEALTH_HOST: '127.0.0.1',
      RETRY_BASE_DELAY_MS: '20',
      LOG_LEVEL: 'debug',
    },
    ready: { url: `http://127.0.0.1:${healthPort}/readyz` },
  });
  const keyspace = createKeyspace(prefix);
  producer = createRedisConnection({ url: redisUrl, role: 'worker', name: 'voice-test' });
  queue = createSendQueue('voice', producer, keyspace);
  store = new DeliveryStore(producer, keyspace, 60_000);
  sealer = createSealer(key);
});

after(async () => {
  await worker?.stop('SIGTERM', 20_000);
  await closeQueue(queue);
  await closeRedis(producer);
  await sim?.close();
});

// Sequential from a random start: unique within the run (a random suffix per call collided now and then).
let nextPhone = Math.floor(Math.random() * 10_000);
function phone(): string {
  const number = `+1415555${String(nextPhone++ % 10_000).padStart(4, '0')}`;
  phonesUsed.push(number);
  return number;
}

function code(): string {
  const otp = `7${String(randomBytes(4).readUInt32BE() % 100_000).padStart(5, '0')}`;
  codesUsed.push(otp);
  return otp;
}

async function enqueue(options: {
  to: string;
  otpCode: string;
  locale?: string;
  lifetimeMs?: number;
  eventId?: string;
}): Promise<string> {
  const eventId = options.eventId ?? `evt${randomBytes(6).toString('hex')}`;
  const now = Date.now();
  const job: SendJob = {
    version: 1,
    eventId,
    deliveryId: deliveryIdFor(eventId),
    channel: 'voice',
    requestType: 'com.okta.user.telephony.mfa-verification',
    ...(options.locale ? { locale: options.locale } : {}),
    otpExpiresAt: now + (options.lifetimeMs ?? 300_000),
    receivedAt: now,
    phoneMasked: `${options.to.slice(0, 2)}••••••${options.to.slice(-2)}`,
    sealed: sealer.sealJson({ otpCode: options.otpCode, phoneE164: options.to }, eventId),
  };
  await queue.add('send', job, { jobId: jobIdFor(eventId) });
  return eventId;
}

function callsTo(to: string) {
  return sim.sim.store.query({ channel: 'voice', to });
}

describe('voice-worker process', () => {
  it('places a call in the right language for every shipped language, answered with the call SID', async () => {
    for (const [language, [locale, sayLanguage, intro]] of Object.entries(LOCALES)) {
      const to = phone();
      const otpCode = code();
      const eventId = await enqueue({ to, otpCode, locale });
      const outcome = await eventually(async () => {
        const found = await store.getOutcome(eventId);
        assert.ok(found, `${language}: no outcome yet`);
        return found;
      });
      assert.equal(outcome.kind, 'accepted', `${language}: ${JSON.stringify(outcome)}`);
      const [call] = callsTo(to);
      assert.ok(call && call.outcome === 'accepted');
      assert.equal(outcome.kind === 'accepted' && outcome.providerMessageId, call.sid);
      const sentence = `${intro} ${[...otpCode].join(', ')}`;
      assert.equal(call.speech?.text, [sentence, sentence, sentence].join(' '), language);
      assert.equal(call.speech?.language, sayLanguage, language);
      assert.equal(call.timeout, 30);
      assert.equal(call.statusCallback, `${PUBLIC_BASE_URL}${callbackPath('twilio', 'voice')}`);
      assert.deepEqual(call.statusCallbackEvents, ['initiated', 'ringing', 'answered', 'completed']);
    }
  });

  it('shortens the ring timeout to what the code has left', async () => {
    const to = phone();
    const eventId = await enqueue({ to, otpCode: code(), lifetimeMs: 20_000 });
    await eventually(async () => assert.equal((await store.getOutcome(eventId))?.kind, 'accepted'));
    const [call] = callsTo(to);
    assert.ok(call?.outcome === 'accepted');
    // 20 s of life, 5 s (MIN_OTP_LIFETIME_MS) kept to listen and type, minus the time the job took to start.
    assert.ok(call.timeout !== undefined && call.timeout >= 13 && call.timeout <= 15, `ring ${call.timeout}`);
  });

  it('places one call for a duplicated event', async () => {
    const to = phone();
    const otpCode = code();
    const eventId = await enqueue({ to, otpCode, locale: 'fr-FR' });
    const gone = () =>
      eventually(async () =>
        assert.ok((await queue.getJob(jobIdFor(eventId))) === undefined, 'the job is still in the queue'),
      );
    await eventually(async () => assert.equal((await store.getOutcome(eventId))?.kind, 'accepted'));
    await gone();
    // The same event again, once its job is gone (Okta retrying the hook later): the delivery record stops it.
    const from = worker.lines().length;
    await enqueue({ to, otpCode, locale: 'fr-FR', eventId });
    await worker.waitForLine(/send skipped: already settled/, 5_000, from);
    await gone();
    assert.equal(callsTo(to).length, 1);
  });

  it('places no call for a code that has expired', async () => {
    const to = phone();
    const eventId = await enqueue({ to, otpCode: code(), lifetimeMs: 2_000 });
    const outcome = await eventually(async () => {
      const found = await store.getOutcome(eventId);
      assert.ok(found);
      return found;
    });
    assert.equal(outcome.kind, 'failed');
    assert.match(outcome.kind === 'failed' ? outcome.reason : '', /^expired/);
    assert.equal(sim.sim.store.query({ to, outcome: 'any' }).length, 0);
  });

  it('stops at once, with a reason, for a number that cannot take calls', async () => {
    const to = '+15005550001';
    const eventId = await enqueue({ to, otpCode: code() });
    const outcome = await eventually(async () => {
      const found = await store.getOutcome(eventId);
      assert.ok(found);
      return found;
    });
    assert.equal(outcome.kind, 'failed');
    assert.match(outcome.kind === 'failed' ? outcome.reason : '', /21217/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(sim.sim.store.query({ to, outcome: 'rejected' }).length, 1, 'no retry');
  });

  it('logs no code, no call script and no full phone number', () => {
    const output = worker.output();
    assert.match(output, /placing call/);
    assert.match(output, /"speechLanguage":"cmn-CN"/);
    for (const otp of codesUsed) assert.equal(output.includes(otp), false, 'an OTP is in the logs');
    for (const number of phonesUsed) {
      assert.equal(output.includes(number), false, 'a phone number is in the logs');
      assert.equal(output.includes(number.slice(1)), false, 'a phone number is in the logs');
    }
    assert.equal(/<Response|<Say|Twiml/i.test(output), false, 'TwiML is in the logs');
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const exit = await worker.stop('SIGTERM', 20_000);
    assert.equal(exit.code, 0, worker.output().slice(-2000));
    assert.match(worker.output(), /shutdown complete/);
  });
});
