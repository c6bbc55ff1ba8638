/**
 * The rules that need no counter: where a code may go at all. Pure functions over the number libphonenumber
 * already parsed on the hook path (country and type come from that one parse; nothing here parses again).
 */
import type { Channel } from '@byot/contracts';
import type { BlockableNumberType, CountryList, FraudPolicy } from './policy.ts';

export interface Destination {
  e164: string;
  /** ISO 3166-1 alpha-2; undefined for non-geographic numbers (+800, +882, …). */
  country: string | undefined;
  /** libphonenumber's type with its full metadata; undefined when the number is in no known range. */
  type: string | undefined;
  channel: Channel;
}

/** The number without its last 3 digits: a 1 000-number block, the unit pumping attacks walk through. */
export function prefixOf(e164: string): string {
  return e164.slice(0, -3);
}

/**
 * The number without its last 5 digits: a 100 000-number range, the unit operators are allocated numbers in and
 * lease on (ADR 0015): a pumping attack that spreads over many 1 000-blocks still lands in a few of these.
 */
export function rangeOf(e164: string): string {
  return e164.slice(0, -5);
}

/** A range as operators see it: "+4477123•••••". */
export function rangeLabel(range: string): string {
  return `${range}•••••`;
}

/** A prefix as the blocks API and the alert show it: the block, not a number in it ("+4474001234•••"). */
export function prefixLabel(prefix: string): string {
  return `${prefix}•••`;
}

export function countryAllowed(policy: FraudPolicy, destination: Destination): boolean {
  const list: CountryList =
    destination.channel === 'voice'
      ? (policy.allowedCountriesVoice ?? policy.allowedCountries)
      : policy.allowedCountries;
  if (list === '*') return true;
  // A number of no country (international networks, satellite) is allowed only when every country is.
  return destination.country !== undefined && list.has(destination.country);
}

/** The blocked type of this number, if it has one. */
export function blockedType(policy: FraudPolicy, destination: Destination): BlockableNumberType | undefined {
  const type = (destination.type ?? 'UNKNOWN') as BlockableNumberType;
  return policy.blockedNumberTypes.has(type) ? type : undefined;
}

/** On the safe list: velocity limits and holds do not apply (the country and type rules still do). */
export function isSafe(policy: FraudPolicy, e164: string): boolean {
  if (policy.safeNumbers.has(e164)) return true;
  for (const prefix of policy.safePrefixes) if (e164.startsWith(prefix)) return true;
  return false;
}
