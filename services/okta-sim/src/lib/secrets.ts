import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two secrets of any length (both are hashed first, so lengths leak nothing). */
export function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
