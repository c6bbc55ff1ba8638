/**
 * Valid mobile numbers for load, spread the way real people's are: consecutive indexes land in different
 * 1 000-number blocks, so traffic from many people never looks like someone walking through one prefix (which is
 * what the fraud controls' per-prefix limit and anomaly hold look for). Every range below is one libphonenumber's
 * full metadata types as MOBILE or FIXED_LINE_OR_MOBILE (phones.test.ts checks).
 */

interface Range {
  /** E.164 start of the range. */
  start: string;
  /** Digits after it. */
  rest: number;
  /** NANP: the digit after the area code (the exchange's first) must be 2-9. */
  nanp?: boolean;
}

const RANGES: Readonly<Record<string, readonly Range[]>> = {
  US: ['+1415', '+1212', '+1312', '+1617', '+1206', '+1303'].map((start) => ({ start, rest: 7, nanp: true })),
  CA: ['+1416', '+1604', '+1514'].map((start) => ({ start, rest: 7, nanp: true })),
  GB: ['+447400', '+447500', '+447800', '+447900'].map((start) => ({ start, rest: 6 })),
  DE: ['+49151', '+49160', '+49170'].map((start) => ({ start, rest: 8 })),
  ES: [{ start: '+346', rest: 8 }],
  IE: ['+35387', '+35386'].map((start) => ({ start, rest: 7 })),
  MX: [{ start: '+5255', rest: 8 }],
};

export const SPREAD_PHONE_COUNTRIES: readonly string[] = Object.keys(RANGES);

/**
 * The n-th number of `country` (n ≥ 0): unique per (country, n) for n below a million, and no two of the first
 * thousands of indexes in one 1 000-block.
 */
export function spreadPhone(country: string, n: number): string {
  const ranges = RANGES[country];
  if (!ranges)
    throw new Error(`spreadPhone: no ranges for ${country} (have ${SPREAD_PHONE_COUNTRIES.join(', ')})`);
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`spreadPhone: n must be a whole number ≥ 0, got ${n}`);
  const range = ranges[n % ranges.length] as Range;
  const m = Math.floor(n / ranges.length);
  const blockDigits = range.rest - 3;
  // NANP blocks: the first digit 2-9, the rest free.
  const blocks = range.nanp ? 8 * 10 ** (blockDigits - 1) : 10 ** blockDigits;
  const block = m % blocks;
  const within = Math.floor(m / blocks) % 1000;
  const blockText = range.nanp
    ? `${2 + Math.floor(block / 10 ** (blockDigits - 1))}${String(block % 10 ** (blockDigits - 1)).padStart(blockDigits - 1, '0')}`
    : String(block).padStart(blockDigits, '0');
  return `${range.start}${blockText}${String(within).padStart(3, '0')}`;
}
