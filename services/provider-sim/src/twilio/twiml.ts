import { parseXml, type XmlElement, type XmlNode, XmlParseError } from '../lib/xml.ts';
import type { Speech, SpeechSegment } from '../store/records.ts';

/**
 * Interprets inline TwiML the way a call would play it, for the voice subset this project uses:
 * `<Response>` holding `<Say voice language loop>`, `<Pause length>` and `<Hangup/>`; inside `<Say>`, text and
 * the SSML elements Twilio supports for Polly and Google voices (`<say-as interpret-as="digits">`, `<break>`,
 * `<prosody>`, …).
 *
 * Stricter than Twilio on purpose: Twilio logs a warning and carries on for an unknown verb or attribute (and
 * the call then speaks in the default language, say); the simulator refuses the call, so the mistake shows up
 * in a test instead of on a user's phone.
 */

/** Twilio's code for TwiML that is not well-formed XML (or has no `<Response>` root). */
export const TWIML_PARSE_FAILURE = 12100;
/** Twilio's code for TwiML that is XML but not valid TwiML (unknown verb, bad attribute value). */
export const TWIML_SCHEMA_ERROR = 12200;

export type TwimlResult = { ok: true; speech: Speech } | { ok: false; code: number; message: string };

const DEFAULT_VOICE = 'man';
const DEFAULT_LANGUAGE = 'en-US';

/** man, woman and alice are Twilio's basic voices; Polly.* and Google.* name the neural text-to-speech ones. */
const VOICE =
  /^(?:man|woman|alice|Polly\.[A-Za-z]+(?:-(?:Neural|Generative|LongForm))?|Google\.[a-z]{2,3}-[A-Z]{2}-[A-Za-z0-9-]+)$/;
/** A BCP-47 tag as Twilio spells them: en-US, es-MX, de-DE, cmn-CN… */
const LANGUAGE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
const NON_NEGATIVE_INTEGER = /^\d{1,6}$/;

const SSML_ELEMENTS: ReadonlySet<string> = new Set([
  'say-as',
  'break',
  'prosody',
  'emphasis',
  'lang',
  'p',
  's',
  'sub',
  'phoneme',
  'w',
  'amazon:effect',
  'amazon:domain',
]);

class TwimlSchemaError extends Error {}

export function interpretTwiml(source: string): TwimlResult {
  let root: XmlElement;
  try {
    root = parseXml(source);
  } catch (error) {
    if (error instanceof XmlParseError) {
      return { ok: false, code: TWIML_PARSE_FAILURE, message: `Document parse failure: ${error.message}` };
    }
    throw error;
  }
  if (root.name !== 'Response') {
    return {
      ok: false,
      code: TWIML_PARSE_FAILURE,
      message: `Document parse failure: the root element must be <Response>, not <${root.name}>`,
    };
  }
  try {
    return { ok: true, speech: toSpeech(readResponse(root)) };
  } catch (error) {
    if (error instanceof TwimlSchemaError) {
      return { ok: false, code: TWIML_SCHEMA_ERROR, message: `Invalid TwiML: ${error.message}` };
    }
    throw error;
  }
}

function readResponse(response: XmlElement): SpeechSegment[] {
  expectAttributes(response, []);
  const segments: SpeechSegment[] = [];
  for (const node of response.children) {
    if (node.type === 'text') {
      if (node.value.trim() !== '')
        throw new TwimlSchemaError('text must be inside a verb such as <Say>, not directly in <Response>');
      continue;
    }
    switch (node.name) {
      case 'Say':
        segments.push(readSay(node));
        break;
      case 'Pause':
        segments.push(readPause(node));
        break;
      case 'Hangup':
        expectAttributes(node, []);
        expectNoChildren(node);
        // The call ends here; verbs after <Hangup/> never play.
        return segments;
      default:
        throw new TwimlSchemaError(
          `<${node.name}> is not supported by the simulator (it understands <Say>, <Pause> and <Hangup>)`,
        );
    }
  }
  return segments;
}

function readSay(say: XmlElement): SpeechSegment {
  expectAttributes(say, ['voice', 'language', 'loop']);
  const voice = say.attributes.get('voice') ?? DEFAULT_VOICE;
  if (!VOICE.test(voice)) {
    throw new TwimlSchemaError(
      `<Say voice="${voice}"> is not a Twilio voice (man, woman, alice, Polly.*, Google.*)`,
    );
  }
  const language = say.attributes.get('language') ?? DEFAULT_LANGUAGE;
  if (!LANGUAGE.test(language)) {
    throw new TwimlSchemaError(`<Say language="${language}"> is not a language tag such as en-US`);
  }
  const loop = readCount(say, 'loop', 1);
  return { kind: 'say', text: normalizeSpace(spokenText(say.children)), language, voice, loop };
}

function readPause(pause: XmlElement): SpeechSegment {
  expectAttributes(pause, ['length']);
  expectNoChildren(pause);
  return { kind: 'pause', seconds: readCount(pause, 'length', 1) };
}

/**
 * The words a listener hears: text content, with `<sub alias>` replaced. Every SSML element is a word boundary,
 * as the speech engines treat it: twilio-node's VoiceResponse writes `Your code is<say-as …>482913</say-as>`
 * with no space, and Polly still says "is" and the digits separately.
 */
function spokenText(nodes: readonly XmlNode[]): string {
  let text = '';
  for (const node of nodes) {
    if (node.type === 'text') {
      text += node.value;
      continue;
    }
    if (!SSML_ELEMENTS.has(node.name)) {
      throw new TwimlSchemaError(`<${node.name}> is not allowed inside <Say> (only text and SSML elements)`);
    }
    switch (node.name) {
      case 'break':
        expectNoChildren(node);
        text += ' ';
        break;
      case 'sub':
        text += ` ${node.attributes.get('alias') ?? spokenText(node.children)} `;
        break;
      case 'say-as':
        if (!node.attributes.has('interpret-as')) {
          throw new TwimlSchemaError('<say-as> needs an interpret-as attribute (e.g. interpret-as="digits")');
        }
        text += ` ${spokenText(node.children)} `;
        break;
      default:
        text += ` ${spokenText(node.children)} `;
    }
  }
  return text;
}

function toSpeech(segments: SpeechSegment[]): Speech {
  const says = segments.filter((s): s is Extract<SpeechSegment, { kind: 'say' }> => s.kind === 'say');
  const text = says
    .filter((say) => say.text !== '')
    .map((say) => Array<string>(Math.max(say.loop, 1)).fill(say.text).join(' '))
    .join(' ');
  const first = says[0];
  return {
    text,
    language: first?.language ?? DEFAULT_LANGUAGE,
    voice: first?.voice ?? DEFAULT_VOICE,
    loops: first?.loop ?? 0,
    segments,
  };
}

function readCount(element: XmlElement, attribute: string, fallback: number): number {
  const raw = element.attributes.get(attribute);
  if (raw === undefined) return fallback;
  if (!NON_NEGATIVE_INTEGER.test(raw)) {
    throw new TwimlSchemaError(`<${element.name} ${attribute}="${raw}"> must be a whole number`);
  }
  return Number.parseInt(raw, 10);
}

function expectAttributes(element: XmlElement, allowed: readonly string[]): void {
  for (const name of element.attributes.keys()) {
    if (!allowed.includes(name)) {
      const hint = allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
      throw new TwimlSchemaError(`<${element.name}> has an unknown attribute ${name}${hint}`);
    }
  }
}

function expectNoChildren(element: XmlElement): void {
  const content = element.children.some((child) => child.type === 'element' || child.value.trim() !== '');
  if (content) throw new TwimlSchemaError(`<${element.name}> must be empty`);
}

/** Collapses whitespace, and drops the space the word boundaries above leave before punctuation. */
function normalizeSpace(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;:!?])/g, '$1')
    .trim();
}
