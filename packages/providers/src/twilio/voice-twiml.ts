import twilio from 'twilio';
import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import type { VoiceSelection } from '../voice/phrases.ts';
import { otpSentence } from '../voice/spoken-code.ts';

/** Twilio refuses inline `Twiml` longer than this. */
export const MAX_TWIML_CHARS = 4000;
/** Silence before the first repetition (people say "hello?" first) and between repetitions. */
export const DEFAULT_PAUSE_SECONDS = 1;

export interface OtpTwimlInput {
  otpCode: string;
  speech: VoiceSelection & { intro: string };
  /** Times the sentence is spoken, 1 or more. */
  repeat: number;
  pauseSeconds?: number;
}

export class TwimlTooLongError extends Error {
  constructor(length: number) {
    super(`the call script is ${length} characters; Twilio accepts at most ${MAX_TWIML_CHARS}`);
    this.name = 'TwimlTooLongError';
  }
}

/**
 * Inline TwiML for an OTP call: a pause, then the sentence `repeat` times with a pause between, then hang up.
 * One `<Say>` per repetition rather than `loop`, because `loop` leaves no pause between repetitions. Built with
 * twilio-node's VoiceResponse, which XML-escapes text and attributes, so an operator's phrase with `<`, `&` or
 * quotes cannot break the document.
 */
export function buildOtpTwiml(input: OtpTwimlInput): string {
  const repeat = Math.max(1, Math.floor(input.repeat));
  const pause = Math.max(1, Math.floor(input.pauseSeconds ?? DEFAULT_PAUSE_SECONDS));
  const sentence = otpSentence(input.speech.intro, input.otpCode);
  const attributes: VoiceResponse.SayAttributes = {
    // Validated against Twilio's patterns where the catalog is built; the SDK's union type lists the shipped ones.
    voice: input.speech.voice as VoiceResponse.SayAttributes['voice'],
    language: input.speech.language as VoiceResponse.SayAttributes['language'],
  };
  const response = new twilio.twiml.VoiceResponse();
  response.pause({ length: pause });
  for (let i = 0; i < repeat; i++) {
    if (i > 0) response.pause({ length: pause });
    response.say(attributes, sentence);
  }
  response.hangup();
  const twiml = response.toString();
  if (twiml.length > MAX_TWIML_CHARS) throw new TwimlTooLongError(twiml.length);
  return twiml;
}
