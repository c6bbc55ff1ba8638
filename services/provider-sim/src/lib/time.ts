/**
 * Twilio's wire format for dates: RFC 2822 in GMT with a numeric zone, e.g. "Thu, 24 Aug 2023 05:01:45 +0000".
 * `toUTCString()` already produces that layout (zero-padded day), only with "GMT" for the zone.
 */
export function toRfc2822(epochMs: number): string {
  return new Date(epochMs).toUTCString().replace(/GMT$/, '+0000');
}
