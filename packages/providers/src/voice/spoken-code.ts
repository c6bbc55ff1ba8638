/** What every voice provider speaks: the same sentence, whichever engine reads it. */

/**
 * The code as it is spoken: "4, 8, 2, 9, 1, 3".
 *
 * Why plain text with commas and not SSML `<say-as interpret-as="digits">`: it works with every voice Twilio
 * has, including the basic man/woman voices an operator may configure, which do not take SSML; the comma gives
 * each digit a short pause in every engine, where say-as digits are read in one quick run; and what is spoken
 * is exactly the text, with no markup whose support varies per voice. The space after each comma keeps
 * "4, 8" a list in languages whose decimal separator is the comma, and there is no full stop after the last
 * digit because "3." reads as an ordinal ("dritte") in German and others.
 */
export function spokenDigits(otpCode: string): string {
  return [...otpCode.replace(/\s+/g, '')].join(', ');
}

/** The sentence spoken once: the intro then the digits, or the digits where the intro says `{code}`. */
export function otpSentence(intro: string, otpCode: string): string {
  const digits = spokenDigits(otpCode);
  return intro.includes('{code}') ? intro.replaceAll('{code}', digits) : `${intro} ${digits}`;
}
