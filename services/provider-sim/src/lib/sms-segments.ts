/**
 * How many SMS segments a body needs, as Twilio reports in `num_segments`.
 *
 * A body that fits the GSM 03.38 alphabet is sent as 7-bit GSM: 160 septets in one segment, 153 per segment
 * once split (the rest carries the concatenation header). Characters of the extension table cost two septets.
 * Anything else forces UCS-2: 70 UTF-16 code units in one segment, 67 per segment once split.
 * Simplifications: Twilio's "smart encoding" (replacing look-alike Unicode) is not modelled, and an escaped
 * character is not kept from straddling a segment boundary.
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';

const BASIC = new Set(GSM_BASIC);
const EXTENDED = new Set(GSM_EXTENDED);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  segments: number;
}

export function countSegments(body: string): SegmentCount {
  let septets = 0;
  for (const ch of body) {
    if (BASIC.has(ch)) septets += 1;
    else if (EXTENDED.has(ch)) septets += 2;
    else return split('UCS-2', body.length, 70, 67);
  }
  return split('GSM-7', septets, 160, 153);
}

function split(encoding: SmsEncoding, units: number, single: number, perPart: number): SegmentCount {
  // An empty body (media only) still counts as one message.
  const segments = units <= single ? 1 : Math.ceil(units / perPart);
  return { encoding, units, segments };
}
