/**
 * The SMS body. Okta renders its own text (`msgTemplate`, localised, code included); we use it whenever it
 * carries the code, and otherwise the operator's template, so a person never gets a message without the code.
 */
export function smsText(otpCode: string, oktaMessage: string | undefined, fallbackTemplate: string): string {
  if (oktaMessage?.includes(otpCode)) return oktaMessage;
  return fallbackTemplate.replaceAll('{code}', otpCode);
}
