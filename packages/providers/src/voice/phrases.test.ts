import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSpeechCatalog,
  DEFAULT_PHRASES,
  DEFAULT_VOICES,
  parseLocale,
  SHIPPED_LANGUAGES,
  SpeechCatalogError,
  voicePhrasesOverrideSchema,
  voiceVoicesOverrideSchema,
} from './phrases.ts';

describe('locale resolution', () => {
  const catalog = createSpeechCatalog();
  const table: [string | undefined, string, string, string][] = [
    // Okta's locale   matched   language   voice
    ['EN-US', 'en', 'en-US', 'Polly.Joanna'],
    ['en', 'en', 'en-US', 'Polly.Joanna'],
    ['en-GB', 'en-GB', 'en-GB', 'Polly.Amy'],
    ['en_gb', 'en-GB', 'en-GB', 'Polly.Amy'],
    ['fr-FR', 'fr', 'fr-FR', 'Polly.Celine'],
    ['FR-ca', 'fr-CA', 'fr-CA', 'Polly.Chantal'],
    ['pt-BR', 'pt', 'pt-BR', 'Polly.Camila'],
    ['pt-PT', 'pt-PT', 'pt-PT', 'Polly.Ines'],
    ['zh-CN', 'zh', 'cmn-CN', 'Polly.Zhiyu'],
    ['zh-TW', 'zh-TW', 'cmn-TW', 'Google.cmn-TW-Standard-A'],
    ['zh-Hant', 'zh-Hant', 'cmn-TW', 'Google.cmn-TW-Standard-A'],
    ['zh-Hant-HK', 'zh-HK', 'yue-HK', 'Google.yue-HK-Standard-A'],
    ['es-MX', 'es-MX', 'es-MX', 'Polly.Mia'],
    ['es-AR', 'es', 'es-ES', 'Polly.Lucia'],
    ['de-AT', 'de', 'de-DE', 'Polly.Marlene'],
    ['ja', 'ja', 'ja-JP', 'Polly.Mizuki'],
    ['ko-KR', 'ko', 'ko-KR', 'Polly.Seoyeon'],
    ['en_US.UTF-8', 'en', 'en-US', 'Polly.Joanna'],
    ['xx', 'en', 'en-US', 'Polly.Joanna'],
    ['xx-YY', 'en', 'en-US', 'Polly.Joanna'],
    ['tr-TR', 'en', 'en-US', 'Polly.Joanna'],
    ['not a locale', 'en', 'en-US', 'Polly.Joanna'],
    ['', 'en', 'en-US', 'Polly.Joanna'],
    [undefined, 'en', 'en-US', 'Polly.Joanna'],
  ];
  for (const [locale, matched, language, voice] of table) {
    it(`${JSON.stringify(locale)} → ${matched} (${language}, ${voice})`, () => {
      const choice = catalog.resolve(locale);
      assert.deepEqual(
        { matched: choice.matched, language: choice.language, voice: choice.voice },
        { matched, language, voice },
      );
    });
  }

  it('speaks the phrase of the language it chose, never English words in a French voice', () => {
    assert.equal(catalog.resolve('fr-FR').intro, 'Votre code de vérification est');
    assert.equal(catalog.resolve('pt-BR').intro, 'Seu código de verificação é');
    assert.equal(catalog.resolve('pt-PT').intro, 'O seu código de verificação é');
    assert.equal(catalog.resolve('zh-CN').intro, '您的验证码是');
    assert.equal(catalog.resolve('zh-TW').intro, '您的驗證碼是');
    assert.equal(catalog.resolve('xx').intro, 'Your verification code is');
  });

  it('parses locale parts', () => {
    assert.deepEqual(parseLocale('zh-hant-tw'), { language: 'zh', script: 'Hant', region: 'TW' });
    assert.deepEqual(parseLocale('es-419'), { language: 'es', region: '419' });
    assert.equal(parseLocale('1234'), undefined);
  });
});

describe('the shipped catalog', () => {
  it('has a phrase and a voice for every required language', () => {
    const catalog = createSpeechCatalog();
    for (const language of SHIPPED_LANGUAGES) {
      assert.ok(DEFAULT_PHRASES[language], `phrase for ${language}`);
      assert.ok(DEFAULT_VOICES[language], `voice for ${language}`);
      assert.ok(catalog.languages.includes(language), `catalog speaks ${language}`);
      assert.equal(catalog.resolve(language).matched, language);
    }
  });

  it('passes its own validation (the schemas operators are held to)', () => {
    assert.ok(voicePhrasesOverrideSchema.safeParse(DEFAULT_PHRASES).success);
    assert.ok(voiceVoicesOverrideSchema.safeParse(DEFAULT_VOICES).success);
  });
});

describe('operator overrides', () => {
  it('replace a phrase or a voice, whatever the case of the key', () => {
    const catalog = createSpeechCatalog({
      phrases: { EN: 'Your Acme code is', 'fr-ca': 'Votre code Acme est' },
      voices: { 'EN-us': { language: 'en-US', voice: 'Polly.Matthew' } },
    });
    assert.deepEqual(catalog.resolve('en-US'), {
      matched: 'en-US',
      language: 'en-US',
      voice: 'Polly.Matthew',
      intro: 'Your Acme code is',
    });
    assert.equal(catalog.resolve('fr-CA').intro, 'Votre code Acme est');
    assert.equal(catalog.resolve('fr-CA').voice, 'Polly.Chantal');
    assert.equal(catalog.resolve('fr-FR').intro, 'Votre code de vérification est');
  });

  it('add a language when both a phrase and a voice are given', () => {
    const catalog = createSpeechCatalog({
      phrases: { tr: 'Doğrulama kodunuz' },
      voices: { tr: { language: 'tr-TR', voice: 'Polly.Filiz' } },
    });
    assert.deepEqual(catalog.resolve('tr-TR'), {
      matched: 'tr',
      language: 'tr-TR',
      voice: 'Polly.Filiz',
      intro: 'Doğrulama kodunuz',
    });
  });

  it('refuse a language with a phrase but no voice, or a voice but no phrase', () => {
    assert.throws(
      () => createSpeechCatalog({ phrases: { tr: 'Doğrulama kodunuz' } }),
      (error: unknown) =>
        error instanceof SpeechCatalogError && /"tr" has a phrase but no voice/.test(error.message),
    );
    assert.throws(
      () => createSpeechCatalog({ voices: { da: { language: 'da-DK', voice: 'Polly.Naja' } } }),
      /"da" has a voice but no phrase/,
    );
    // A region of a known language needs nothing more.
    assert.doesNotThrow(() => createSpeechCatalog({ phrases: { 'de-CH': 'Ihr Code lautet' } }));
  });

  it('are validated: Twilio voice names, language tags, phrase length', () => {
    assert.ok(
      voiceVoicesOverrideSchema.safeParse({ 'en-GB': { language: 'en-GB', voice: 'Polly.Brian' } }).success,
    );
    assert.ok(voiceVoicesOverrideSchema.safeParse({ en: { language: 'en-US', voice: 'man' } }).success);
    assert.ok(
      voiceVoicesOverrideSchema.safeParse({ de: { language: 'de-DE', voice: 'Google.de-DE-Standard-A' } })
        .success,
    );
    assert.equal(
      voiceVoicesOverrideSchema.safeParse({ en: { language: 'en-US', voice: 'Bob' } }).success,
      false,
    );
    assert.equal(
      voiceVoicesOverrideSchema.safeParse({ en: { language: 'EN_us', voice: 'man' } }).success,
      false,
    );
    assert.equal(
      voiceVoicesOverrideSchema.safeParse({ en: { language: 'en-US', voice: 'man', extra: 1 } }).success,
      false,
    );
    assert.equal(voicePhrasesOverrideSchema.safeParse({ 'not a locale': 'x' }).success, false);
    assert.equal(voicePhrasesOverrideSchema.safeParse({ en: '' }).success, false);
    assert.equal(voicePhrasesOverrideSchema.safeParse({ en: 'x'.repeat(201) }).success, false);
    assert.equal(voicePhrasesOverrideSchema.safeParse({ en: 'line\nbreak' }).success, false);
  });
});
