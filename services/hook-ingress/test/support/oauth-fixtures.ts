/** Tampering helpers and a log sink for the OAuth tests (keys, assertions and the stand-in issuer: @byot/testkit). */
import type { KeyObject } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@byot/observability';
import { SignJWT } from 'jose';

export {
  clientAssertion,
  ecKeyPair,
  FakeIssuer,
  type KeyPair,
  oktaHookKeyResponse,
  rsaKeyPair,
} from '@byot/testkit';

/** An unsigned JWT (`alg: none`), built by hand since no library will sign one. */
export function unsignedJwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

/** The classic confusion: HS256 "signed" with the issuer's public key as the HMAC secret. */
export async function hs256WithPublicKey(
  payload: Record<string, unknown>,
  publicKey: KeyObject,
  kid?: string,
) {
  const secret = new TextEncoder().encode(publicKey.export({ type: 'spki', format: 'pem' }) as string);
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', ...(kid ? { kid } : {}) }).sign(secret);
}

/** Flips one character of the signature: same header and claims, signature no longer theirs. */
export function tamperSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
  return `${header}.${payload}.${flipped}`;
}

/** Flips a claim without re-signing. */
export function tamperPayload(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url')}.${signature}`;
}

/** A logger whose lines the test can read (to prove what is, and is not, logged). */
export function capturedLogger(): {
  log: Logger;
  lines: () => Record<string, unknown>[];
  text: () => string;
} {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ service: 'test', level: 'debug', destination: sink });
  const text = () => chunks.join('');
  return {
    log,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
