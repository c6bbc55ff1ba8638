/**
 * TwilioVoiceProvider through the official twilio SDK, over HTTP, against the provider simulator. The simulator
 * parses the TwiML as Twilio would and records what the call would speak, in which language and voice.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startTestSimulator, type TestSimulator } from '@byot/provider-sim/testing';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { ProviderError } from '../errors.ts';
import { createSpeechCatalog, SHIPPED_LANGUAGES } from '../voice/phrases.ts';
import { createTwilioClient, type TwilioClient, TwilioHttpClient } from './client.ts';
import { classifyTwilioError } from './errors.ts';
import { TwilioVoiceProvider } from './voice.ts';

const FROM = '+15005550006';
const TO = '+14155550123';
const CALLBACK = 'https://byot.example.com/v1/callbacks/twilio/calls';

/** Every shipped language, with the locale spelling Okta might send, and what the call must say. */
const LANGUAGES: Record<
  (typeof SHIPPED_LANGUAGES)[number],
  { locale: string; language: string; intro: string }
> = {
  en: { locale: 'EN-US', language: 'en-US', intro: 'Your verification code is' },
  es: { locale: 'es', language: 'es-ES', intro: 'Su código de verificación es' },
  fr: { locale: 'fr-FR', language: 'fr-FR', intro: 'Votre code de vérification est' },
  de: { locale: 'de-DE', language: 'de-DE', intro: 'Ihr Bestätigungscode lautet' },
  it: { locale: 'it', language: 'it-IT', intro: 'Il tuo codice di verifica è' },
  pt: { locale: 'pt-BR', language: 'pt-BR', intro: 'Seu código de verificação é' },
  nl: { locale: 'nl-NL', language: 'nl-NL', intro: 'Uw verificatiecode is' },
  ja: { locale: 'ja-JP', language: 'ja-JP', intro: '認証コードは' },
  zh: { locale: 'zh-CN', language: 'cmn-CN', intro: '您的验证码是' },
  ko: { locale: 'ko-KR', language: 'ko-KR', intro: '인증 코드는' },
  pl: { locale: 'pl-PL', language: 'pl-PL', intro: 'Twój kod weryfikacyjny to' },
  sv: { locale: 'sv-SE', language: 'sv-SE', intro: 'Din verifieringskod är' },
};

/** The adapter's own HTTP client, noting every URL it sends a request to (what the simulator sees). */
class RecordingHttpClient extends TwilioHttpClient {
  readonly urls: string[] = [];
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    this.urls.push(opts.uri);
    return super.request(opts);
  }
}

function randomCode(): string {
  // A leading 9 keeps the code clear of anything else numeric in a request (ports, sids).
  return `9${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
}

describe('TwilioVoiceProvider against the simulator', () => {
  let t: TestSimulator;
  let http: RecordingHttpClient;
  let client: TwilioClient;
  let provider: TwilioVoiceProvider;

  before(async () => {
    t = await startTestSimulator();
    http = new RecordingHttpClient({ apiBaseUrl: t.url, timeoutMs: 2_000 });
    client = twilio(t.sim.twilio.accountSid, t.sim.twilio.authToken, { httpClient: http, autoRetry: false });
    provider = new TwilioVoiceProvider(client, { fromNumber: FROM });
  });
  after(() => t.close());
  beforeEach(() => {
    t.sim.store.clear();
    t.sim.faults.clearAll();
    http.urls.length = 0;
  });

  for (const language of SHIPPED_LANGUAGES) {
    const want = LANGUAGES[language];
    it(`${language} (${want.locale}): a well-formed call speaking the digits in ${want.language}`, async () => {
      const otpCode = randomCode();
      const result = await provider.placeCall({
        to: TO,
        otpCode,
        locale: want.locale,
        repeat: 3,
        ringTimeoutSeconds: 25,
        statusCallbackUrl: CALLBACK,
        clientRef: 'byot-evt1',
      });
      assert.equal(result.provider, 'twilio');
      assert.match(result.providerMessageId, /^CA[0-9a-f]{32}$/);
      assert.equal(result.providerStatus, 'queued');

      const record = t.sim.store.findBySid(result.providerMessageId);
      assert.ok(record);
      assert.equal(record.channel, 'voice');
      assert.equal(record.to, TO);
      assert.equal(record.from, FROM);
      const digits = [...otpCode].join(', ');
      const sentence = `${want.intro} ${digits}`;
      assert.equal(record.speech?.text, [sentence, sentence, sentence].join(' '));
      assert.equal(record.speech?.language, want.language);
      assert.equal(record.speech?.voice, provider.speechFor(want.locale).voice);
      const segments = record.speech?.segments ?? [];
      assert.deepEqual(
        segments.map((s) => s.kind),
        ['pause', 'say', 'pause', 'say', 'pause', 'say'],
      );
      for (const segment of segments) {
        if (segment.kind === 'say') assert.equal(segment.language, want.language);
      }
      assert.equal(record.timeout, 25);
      assert.equal(record.statusCallback, CALLBACK);
      assert.equal(record.statusCallbackMethod, 'POST');
      assert.deepEqual(record.statusCallbackEvents, ['initiated', 'ringing', 'answered', 'completed']);
      assert.equal(record.url, undefined, 'no TwiML URL: the script is inline');

      assert.equal(http.urls.length, 1);
      assert.match(http.urls[0] ?? '', /\/Calls\.json$/);
      for (const url of [...http.urls, record.statusCallback ?? '']) {
        assert.equal(url.includes(otpCode), false, `the code is in a URL: ${url}`);
        assert.equal(decodeURIComponent(url).includes(otpCode), false, `the code is in a URL: ${url}`);
      }
    });
  }

  it('asks for no callback without a callback URL, and clamps the ring timeout to what Twilio accepts', async () => {
    const result = await provider.placeCall({
      to: TO,
      otpCode: '123456',
      repeat: 1,
      ringTimeoutSeconds: 10_000,
      clientRef: 'byot-evt2',
    });
    const record = t.sim.store.findBySid(result.providerMessageId);
    assert.equal(record?.statusCallback, undefined);
    assert.deepEqual(record?.statusCallbackEvents, []);
    assert.equal(record?.timeout, 600);
    assert.equal(record?.speech?.text, 'Your verification code is 1, 2, 3, 4, 5, 6');
  });

  it('speaks an operator phrase with markup characters, escaped, as written', async () => {
    const custom = new TwilioVoiceProvider(client, {
      fromNumber: FROM,
      speech: createSpeechCatalog({ phrases: { en: 'Your <Acme & Co> code is' } }),
    });
    const result = await custom.placeCall({
      to: TO,
      otpCode: '42',
      repeat: 2,
      ringTimeoutSeconds: 30,
      clientRef: 'x',
    });
    const record = t.sim.store.findBySid(result.providerMessageId);
    assert.equal(record?.speech?.text, 'Your <Acme & Co> code is 4, 2 Your <Acme & Co> code is 4, 2');
  });

  const permanent: [string, number][] = [
    ['+15005550001', 21217],
    ['+15005550002', 21214],
    ['+15005550003', 21215],
    ['+15005550004', 21216],
  ];
  for (const [to, code] of permanent) {
    it(`maps Twilio ${code} (magic number ${to}) to destination-permanent`, async () => {
      const otpCode = randomCode();
      await assert.rejects(
        provider.placeCall({ to, otpCode, repeat: 3, ringTimeoutSeconds: 30, clientRef: 'x' }),
        (error: unknown) => {
          assert.ok(error instanceof ProviderError);
          assert.equal(error.kind, 'destination-permanent');
          assert.equal(error.code, String(code));
          assert.equal(error.httpStatus, 400);
          assert.equal(error.message.includes(to), false, 'the number is not in the message');
          assert.equal(error.message.includes(otpCode), false);
          return true;
        },
      );
    });
  }

  it('maps throttling to rate-limited and a 503 to unavailable', async () => {
    t.sim.faults.set('twilio', { throttleRate: 1, retryAfterSeconds: 2 });
    await assert.rejects(
      provider.placeCall({ to: TO, otpCode: '1', repeat: 1, ringTimeoutSeconds: 30, clientRef: 'x' }),
      (error: unknown) =>
        error instanceof ProviderError && error.kind === 'rate-limited' && error.retryAfterMs === 2_000,
    );
    t.sim.faults.set('twilio', { errorRate: 1, errorStatus: 503 });
    await assert.rejects(
      provider.placeCall({ to: TO, otpCode: '1', repeat: 1, ringTimeoutSeconds: 30, clientRef: 'x' }),
      (error: unknown) => error instanceof ProviderError && error.kind === 'unavailable',
    );
  });

  it('refuses to be built without a From number', () => {
    const client = createTwilioClient({
      accountSid: t.sim.twilio.accountSid,
      authToken: t.sim.twilio.authToken,
      timeoutMs: 1_000,
    });
    assert.throws(() => new TwilioVoiceProvider(client, { fromNumber: '' }), /TWILIO_VOICE_FROM_NUMBER/);
  });
});

describe('classifyTwilioError for voice codes', () => {
  for (const code of [21217, 21214, 13224, 21216, 21215]) {
    it(`${code} is destination-permanent`, () => {
      const error = classifyTwilioError(
        new twilio.RestException({
          statusCode: 400,
          body: { code, message: 'Call to +14155550123 refused' },
        }),
      );
      assert.equal(error.kind, 'destination-permanent');
      assert.equal(error.message.includes('+14155550123'), false);
    });
  }
  it('21210 (From is not a verified caller ID) makes the provider unusable', () => {
    const error = classifyTwilioError(
      new twilio.RestException({ statusCode: 400, body: { code: 21210, message: 'x' } }),
    );
    assert.equal(error.kind, 'unavailable');
  });
  it('a TwiML error (12100) is a bad request', () => {
    const error = classifyTwilioError(
      new twilio.RestException({ statusCode: 400, body: { code: 12100, message: 'x' } }),
    );
    assert.equal(error.kind, 'bad-request');
  });
});
