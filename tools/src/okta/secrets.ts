import { createHash, randomBytes } from 'node:crypto';

/**
 * Okta never returns a hook's header value nor its OAuth client secret, so "is the secret in Okta still the one
 * byot is configured with?" cannot be asked of Okta directly. Setup stores a fingerprint of it on the hook, as
 * a custom header Okta does return (and sends to byot, which ignores it): SHA-256 over a fixed context and the
 * secret, truncated — useless for guessing a random secret, enough to tell two apart. See ADR 0012.
 */
export function secretFingerprint(kind: 'header' | 'oauth', ...parts: readonly string[]): string {
  const digest = createHash('sha256')
    .update(`byot-okta-hook-auth-v1\0${kind}\0${parts.join('\0')}`)
    .digest('base64url');
  return `v1:${digest.slice(0, 27)}`;
}

/** The header secret byot's sandbox generates too: `Basic base64(okta:<random>)`. */
export function generateHeaderSecret(): string {
  return `Basic ${Buffer.from(`okta:${randomBytes(24).toString('base64url')}`).toString('base64')}`;
}

export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function generateClientId(): string {
  return `okta-hook-${randomBytes(6).toString('hex')}`;
}
