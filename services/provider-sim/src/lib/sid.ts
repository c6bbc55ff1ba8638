import { randomBytes } from 'node:crypto';

/** Two-letter resource prefixes as Twilio uses them: SM message, CA call. */
export type SidPrefix = 'SM' | 'CA';

/** A Twilio-style SID: the prefix and 32 lowercase hex digits (128 random bits, so collisions are not a concern). */
export function newSid(prefix: SidPrefix): string {
  return prefix + randomBytes(16).toString('hex');
}
