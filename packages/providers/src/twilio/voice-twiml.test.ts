import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSpeechCatalog, SHIPPED_LANGUAGES } from '../voice/phrases.ts';
import { otpSentence, spokenDigits } from '../voice/spoken-code.ts';
import { buildOtpTwiml, TwimlTooLongError } from './voice-twiml.ts';

/** The `<Say>` elements of a TwiML document, in order, with their attributes and (still escaped) text. */
function says(twiml: string): { voice: string; language: string; text: string }[] {
  return [...twiml.matchAll(/<Say voice="([^"]*)" language="([^"]*)">([^<]*)<\/Say>/g)].map((m) => ({
    voice: m[1] as string,
    language: m[2] as string,
    text: m[3] as string,
  }));
}

/** Verbs of the document in order: Pause, Say, Hangup. */
function verbs(twiml: string): string[] {
  return [...twiml.matchAll(/<(Say|Pause|Hangup)\b/g)].map((m) => m[1] as string);
}

describe('spoken digits', () => {
  it('spaces the digits one by one with commas, no trailing full stop', () => {
    assert.equal(spokenDigits('482913'), '4, 8, 2, 9, 1, 3');
    assert.equal(spokenDigits(' 00 12 '), '0, 0, 1, 2');
    assert.equal(otpSentence('Your code is', '4829'), 'Your code is 4, 8, 2, 9');
    assert.equal(otpSentence('코드는 {code} 입니다', '4829'), '코드는 4, 8, 2, 9 입니다');
  });
});

describe('OTP TwiML', () => {
  const catalog = createSpeechCatalog();
  const locales: Record<(typeof SHIPPED_LANGUAGES)[number], string> = {
    en: 'EN-US',
    es: 'es-ES',
    fr: 'fr-FR',
    de: 'de-DE',
    it: 'it-IT',
    pt: 'pt-BR',
    nl: 'nl-NL',
    ja: 'ja-JP',
    zh: 'zh-CN',
    ko: 'ko-KR',
    pl: 'pl-PL',
    sv: 'sv-SE',
  };
  const expected: Record<string, [string, string]> = {
    en: ['en-US', 'Your verification code is'],
    es: ['es-ES', 'Su código de verificación es'],
    fr: ['fr-FR', 'Votre code de vérification est'],
    de: ['de-DE', 'Ihr Bestätigungscode lautet'],
    it: ['it-IT', 'Il tuo codice di verifica è'],
    pt: ['pt-BR', 'Seu código de verificação é'],
    nl: ['nl-NL', 'Uw verificatiecode is'],
    ja: ['ja-JP', '認証コードは'],
    zh: ['cmn-CN', '您的验证码是'],
    ko: ['ko-KR', '인증 코드는'],
    pl: ['pl-PL', 'Twój kod weryfikacyjny to'],
    sv: ['sv-SE', 'Din verifieringskod är'],
  };

  for (const language of SHIPPED_LANGUAGES) {
    it(`${language}: intro and spaced digits, three times, in ${expected[language]?.[0]}`, () => {
      const speech = catalog.resolve(locales[language]);
      const twiml = buildOtpTwiml({ otpCode: '482913', speech, repeat: 3 });
      const [languageAttribute, intro] = expected[language] as [string, string];
      assert.deepEqual(
        says(twiml),
        Array(3).fill({
          voice: speech.voice,
          language: languageAttribute,
          text: `${intro} 4, 8, 2, 9, 1, 3`,
        }),
      );
      assert.deepEqual(verbs(twiml), ['Pause', 'Say', 'Pause', 'Say', 'Pause', 'Say', 'Hangup']);
      assert.match(twiml, /^<\?xml version="1.0" encoding="UTF-8"\?><Response>.*<\/Response>$/);
    });
  }

  it('repeats as configured, with a pause between repetitions', () => {
    const speech = catalog.resolve('en');
    for (const repeat of [1, 2, 5]) {
      const twiml = buildOtpTwiml({ otpCode: '1234', speech, repeat, pauseSeconds: 2 });
      assert.equal(says(twiml).length, repeat);
      assert.equal((twiml.match(/<Pause length="2"\/>/g) ?? []).length, repeat);
      assert.ok(twiml.endsWith('<Hangup/></Response>'));
    }
  });

  it("XML-escapes an operator's phrase", () => {
    const speech = createSpeechCatalog({ phrases: { en: 'Code <&> "A&B" \'x\' </Say><Dial>' } }).resolve(
      'en',
    );
    const twiml = buildOtpTwiml({ otpCode: '42', speech, repeat: 1 });
    assert.ok(twiml.includes('Code &lt;&amp;&gt; "A&amp;B" \'x\' &lt;/Say&gt;&lt;Dial&gt; 4, 2'), twiml);
    assert.equal(twiml.includes('<Dial>'), false);
    assert.equal(twiml.includes('<&>'), false);
    assert.deepEqual(verbs(twiml), ['Pause', 'Say', 'Hangup']);
  });

  it('refuses a script longer than Twilio accepts', () => {
    const speech = { language: 'en-US', voice: 'Polly.Joanna', intro: '&'.repeat(200) };
    assert.throws(() => buildOtpTwiml({ otpCode: '123456', speech, repeat: 5 }), TwimlTooLongError);
    assert.doesNotThrow(() => buildOtpTwiml({ otpCode: '123456', speech, repeat: 3 }));
  });
});
