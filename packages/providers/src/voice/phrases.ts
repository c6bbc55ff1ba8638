import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import { z } from 'zod';

/**
 * What a voice call says before the digits, and in which Twilio voice, per language. Okta sends the user's
 * `locale` in many spellings ("EN-US", "en", "fr-FR", "pt_BR", "zh-Hant-TW"); `resolve` matches
 * language-script-region, then language-region, then language-script, then language, and falls back to English
 * for a language it does not know, so a call always says something a person can use.
 *
 * Operators override or add entries (VOICE_PHRASES_JSON / VOICE_VOICES_JSON in the voice-worker): a new
 * language needs both a phrase and a voice, which `createSpeechCatalog` checks.
 */

/** Twilio's `<Say voice language>` pair. */
export interface VoiceSelection {
  /** BCP-47 as Twilio spells it: en-US, es-MX, cmn-CN... */
  language: string;
  /** man, woman, alice, Polly.* or Google.* */
  voice: string;
}

export interface SpeechChoice extends VoiceSelection {
  /** The catalog entry whose voice was chosen ("pt-BR", "fr", or "en" as the fallback): safe to log. */
  matched: string;
  /** What is said before the digits; may contain `{code}` to place the digits inside the sentence. */
  intro: string;
}

/** Languages that ship with a phrase and a voice (operators may add more). */
export const SHIPPED_LANGUAGES = [
  'en',
  'es',
  'fr',
  'de',
  'it',
  'pt',
  'nl',
  'ja',
  'zh',
  'ko',
  'pl',
  'sv',
] as const;

export const FALLBACK_LANGUAGE = 'en';

/**
 * Intro phrases: language entries are required for every language with a voice; region or script entries
 * (pt-PT, zh-TW) refine them. No trailing punctuation: the digits follow.
 */
export const DEFAULT_PHRASES: Readonly<Record<string, string>> = {
  en: 'Your verification code is',
  es: 'Su código de verificación es',
  fr: 'Votre code de vérification est',
  de: 'Ihr Bestätigungscode lautet',
  it: 'Il tuo codice di verifica è',
  pt: 'Seu código de verificação é',
  'pt-PT': 'O seu código de verificação é',
  nl: 'Uw verificatiecode is',
  ja: '認証コードは',
  zh: '您的验证码是',
  'zh-Hant': '您的驗證碼是',
  'zh-TW': '您的驗證碼是',
  'zh-HK': '您的驗證碼是',
  ko: '인증 코드는',
  pl: 'Twój kod weryfikacyjny to',
  sv: 'Din verifieringskod är',
};

/**
 * Voices: Amazon Polly standard voices as Twilio names them (twilio-node's VoiceResponse.SayVoice lists them),
 * and Google voices where Polly has none (Taiwanese Mandarin, Cantonese). The `language` is the one Twilio
 * documents for that voice (Polly's Mandarin is cmn-CN, not zh-CN).
 */
const SHIPPED_VOICES = {
  en: { language: 'en-US', voice: 'Polly.Joanna' },
  'en-GB': { language: 'en-GB', voice: 'Polly.Amy' },
  'en-AU': { language: 'en-AU', voice: 'Polly.Nicole' },
  'en-IN': { language: 'en-IN', voice: 'Polly.Raveena' },
  es: { language: 'es-ES', voice: 'Polly.Lucia' },
  'es-MX': { language: 'es-MX', voice: 'Polly.Mia' },
  'es-US': { language: 'es-US', voice: 'Polly.Lupe' },
  'es-419': { language: 'es-MX', voice: 'Polly.Mia' },
  fr: { language: 'fr-FR', voice: 'Polly.Celine' },
  'fr-CA': { language: 'fr-CA', voice: 'Polly.Chantal' },
  de: { language: 'de-DE', voice: 'Polly.Marlene' },
  it: { language: 'it-IT', voice: 'Polly.Carla' },
  pt: { language: 'pt-BR', voice: 'Polly.Camila' },
  'pt-PT': { language: 'pt-PT', voice: 'Polly.Ines' },
  nl: { language: 'nl-NL', voice: 'Polly.Lotte' },
  ja: { language: 'ja-JP', voice: 'Polly.Mizuki' },
  zh: { language: 'cmn-CN', voice: 'Polly.Zhiyu' },
  'zh-Hant': { language: 'cmn-TW', voice: 'Google.cmn-TW-Standard-A' },
  'zh-TW': { language: 'cmn-TW', voice: 'Google.cmn-TW-Standard-A' },
  'zh-HK': { language: 'yue-HK', voice: 'Google.yue-HK-Standard-A' },
  ko: { language: 'ko-KR', voice: 'Polly.Seoyeon' },
  pl: { language: 'pl-PL', voice: 'Polly.Ewa' },
  sv: { language: 'sv-SE', voice: 'Polly.Astrid' },
} satisfies Record<string, TwilioSay>;
export const DEFAULT_VOICES: Readonly<Record<string, VoiceSelection>> = SHIPPED_VOICES;

/** twilio-node's generated TwiML types list the voices and languages Twilio documents: shipped entries must be among them. */
type TwilioSay = Required<Pick<VoiceResponse.SayAttributes, 'language' | 'voice'>>;

/** man, woman and alice are Twilio's basic voices; Polly.* and Google.* its neural text-to-speech ones. */
export const TWILIO_VOICE_PATTERN =
  /^(?:man|woman|alice|Polly\.[A-Za-z]+(?:-(?:Neural|Generative|LongForm))?|Google\.[a-z]{2,3}-[A-Z]{2}-[A-Za-z0-9-]+)$/;
/** A `<Say language>` value: en-US, es-MX, cmn-CN, en-GB-WLS... */
export const SAY_LANGUAGE_PATTERN = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
/** A catalog key as operators write it: language, optional script, optional region ("pt-BR", "zh_Hant_TW"). */
const LOCALE_KEY_PATTERN = /^[A-Za-z]{2,3}(?:[-_](?:[A-Za-z]{4}|[A-Za-z]{2}|\d{3})){0,2}$/;
/** The TwiML with every repetition must stay under Twilio's 4000 characters. */
export const MAX_PHRASE_CHARS = 200;

const localeKey = z.string().regex(LOCALE_KEY_PATTERN, 'must be a locale such as "en", "pt-BR" or "zh-Hant"');

export const voicePhraseSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_PHRASE_CHARS, `must be at most ${MAX_PHRASE_CHARS} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters');

export const voiceSelectionSchema = z.strictObject({
  language: z.string().regex(SAY_LANGUAGE_PATTERN, 'must be a Twilio language such as en-US or cmn-CN'),
  voice: z
    .string()
    .regex(TWILIO_VOICE_PATTERN, 'must be a Twilio voice: man, woman, alice, Polly.<Name> or Google.<id>'),
});

/** VOICE_PHRASES_JSON: {"en": "Your Acme code is", "fr-CA": "Votre code Acme est"} */
export const voicePhrasesOverrideSchema = z.record(localeKey, voicePhraseSchema);
/** VOICE_VOICES_JSON: {"en-GB": {"language": "en-GB", "voice": "Polly.Brian"}} */
export const voiceVoicesOverrideSchema = z.record(localeKey, voiceSelectionSchema);

export interface SpeechOverrides {
  phrases?: Readonly<Record<string, string>>;
  voices?: Readonly<Record<string, VoiceSelection>>;
}

export class SpeechCatalogError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`voice phrases and voices do not fit together: ${problems.join('; ')}`);
    this.name = 'SpeechCatalogError';
    this.problems = problems;
  }
}

interface ParsedLocale {
  language: string;
  script?: string;
  region?: string;
}

/** Parses "EN-US", "pt_BR", "zh-Hant-TW", "en_US.UTF-8" into parts; undefined when it is not a locale. */
export function parseLocale(raw: string | undefined): ParsedLocale | undefined {
  if (!raw) return undefined;
  const parts = (raw.trim().split(/[.@]/)[0] ?? '').split(/[-_]/).filter(Boolean);
  const language = parts[0]?.toLowerCase();
  if (!language || !/^[a-z]{2,3}$/.test(language)) return undefined;
  const parsed: ParsedLocale = { language };
  for (const part of parts.slice(1)) {
    if (!parsed.script && !parsed.region && /^[A-Za-z]{4}$/.test(part)) {
      parsed.script = part[0]?.toUpperCase() + part.slice(1).toLowerCase();
    } else if (!parsed.region && /^(?:[A-Za-z]{2}|\d{3})$/.test(part)) {
      parsed.region = part.toUpperCase();
    }
    // Variants and extensions (en-US-u-ca-gregory) do not change the voice.
  }
  return parsed;
}

/** The canonical spelling of a locale: "pt-BR", "zh-Hant", "en". */
export function canonicalLocale(raw: string): string | undefined {
  const parsed = parseLocale(raw);
  if (!parsed) return undefined;
  return [parsed.language, parsed.script, parsed.region].filter(Boolean).join('-');
}

/** Catalog keys to try for a locale, most specific first. */
function candidates(parsed: ParsedLocale): string[] {
  const { language, script, region } = parsed;
  const keys: string[] = [];
  if (script && region) keys.push(`${language}-${script}-${region}`);
  if (region) keys.push(`${language}-${region}`);
  if (script) keys.push(`${language}-${script}`);
  keys.push(language);
  return keys;
}

export interface SpeechCatalog {
  /** Base languages the catalog speaks (shipped plus operator-added), sorted. */
  readonly languages: readonly string[];
  resolve(locale: string | undefined): SpeechChoice;
}

/**
 * Merges operator overrides over the shipped tables and checks that every language has both a phrase and a
 * voice. Throws SpeechCatalogError with every problem found.
 */
export function createSpeechCatalog(overrides: SpeechOverrides = {}): SpeechCatalog {
  const problems: string[] = [];
  const phrases = new Map<string, string>();
  const voices = new Map<string, VoiceSelection>();
  const load = <T>(target: Map<string, T>, source: Readonly<Record<string, T>>, what: string) => {
    for (const [key, value] of Object.entries(source)) {
      const canonical = canonicalLocale(key);
      if (!canonical) problems.push(`${what} key "${key}" is not a locale`);
      else target.set(canonical.toLowerCase(), value);
    }
  };
  load(phrases, DEFAULT_PHRASES, 'phrase');
  load(voices, DEFAULT_VOICES, 'voice');
  if (overrides.phrases) load(phrases, overrides.phrases, 'phrase');
  if (overrides.voices) load(voices, overrides.voices, 'voice');

  for (const [key, phrase] of phrases) {
    const parsed = voicePhraseSchema.safeParse(phrase);
    if (!parsed.success) problems.push(`phrase "${key}" ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  }
  for (const [key, selection] of voices) {
    if (!voiceSelectionSchema.safeParse(selection).success) problems.push(`voice "${key}" is not valid`);
  }
  const languages = new Set([...phrases.keys(), ...voices.keys()].map((key) => key.split('-')[0] as string));
  for (const language of languages) {
    if (!phrases.has(language)) {
      problems.push(`"${language}" has a voice but no phrase: add a phrase for "${language}"`);
    }
    if (!voices.has(language)) {
      problems.push(`"${language}" has a phrase but no voice: add a voice for "${language}"`);
    }
  }
  if (problems.length > 0) throw new SpeechCatalogError(problems);

  const fallback = FALLBACK_LANGUAGE;
  const pick = <T>(table: Map<string, T>, keys: string[]): [string, T] => {
    for (const key of keys) {
      const value = table.get(key.toLowerCase());
      if (value !== undefined) return [key, value];
    }
    // Unreachable: every language has an entry of its own, checked above.
    throw new Error(`no speech entry for ${keys.join(', ')}`);
  };

  return {
    languages: [...languages].sort(),
    resolve(locale) {
      const parsed = parseLocale(locale);
      const keys = parsed && languages.has(parsed.language) ? candidates(parsed) : [fallback];
      const [matched, selection] = pick(voices, keys);
      const [, intro] = pick(phrases, keys);
      return { matched, language: selection.language, voice: selection.voice, intro: intro.trim() };
    },
  };
}
