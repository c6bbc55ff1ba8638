import { randomInt } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Okta's object ids are 20 characters with a type prefix: `cal…` inline hooks, `00g…` groups, `00u…` users,
 * `aut…` authenticators, `00p…`/`rst…` policies, `rul…` rules, `nzo…` zones, `HKY…` hook keys, `oct…` telephony
 * providers. The simulator keeps the prefixes so that logs and tests read like an Okta org's.
 */
export function oktaId(prefix: string): string {
  return prefix + randomBase62(20 - prefix.length);
}

export function randomBase62(length: number): string {
  return Array.from({ length }, () => BASE62.charAt(randomInt(BASE62.length))).join('');
}
