import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
  randomFillSync,
} from 'node:crypto';

/**
 * AES-256-GCM sealing of the secret parts of a send (OTP, message text, phone number) before they reach Redis.
 *
 * Format: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). The key id (a hash prefix of the key) lets a
 * rotated-out key still open jobs sealed before the rotation. The caller's context (the Okta eventId) is bound as
 * additional authenticated data, so a sealed blob copied into another job does not open there.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Random IVs drawn from a pool filled 4 KiB at a time: one CSPRNG call per 341 seals instead of one per seal
 * (≈ 2 µs of CPU per seal, a third of it), as Node's own randomUUID does with its cache. Every IV is still 96
 * bits of the CSPRNG, each used once; forked services are separate processes, so no two share a pool.
 */
const IV_POOL_BYTES = 4_096 - (4_096 % IV_BYTES);
let ivPool = Buffer.alloc(0);
let ivOffset = 0;

/** A fresh 96-bit IV (a copy: the pool's bytes are handed out once). */
export function freshIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomFillSync(Buffer.allocUnsafeSlow(IV_POOL_BYTES));
    ivOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivOffset, ivOffset + IV_BYTES));
  ivOffset += IV_BYTES;
  return iv;
}

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

export interface Sealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
  sealJson(value: unknown, context: string): string;
  openJson(sealed: string, context: string): unknown;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

export function createSealer(activeKey: Buffer, previousKeys: Buffer[] = []): Sealer {
  for (const key of [activeKey, ...previousKeys]) {
    if (key.length !== 32) throw new SealError('an AES-256-GCM key must be 32 bytes');
  }
  const activeId = keyId(activeKey);
  // KeyObjects built once: given raw bytes, every createCipheriv builds one itself, which cost more than the
  // encryption (≈ 2/3 of seal() in a CPU profile of the hook path; see ADR 0011).
  const activeKeyObject = createSecretKey(activeKey);
  const keys = new Map<string, KeyObject>([[activeId, activeKeyObject]]);
  for (const key of previousKeys) keys.set(keyId(key), createSecretKey(key));

  function seal(plaintext: string, context: string): string {
    const iv = freshIv();
    const cipher = createCipheriv('aes-256-gcm', activeKeyObject, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      activeId,
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  }

  function open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION)
      throw new SealError('not a sealed value of a known version');
    const [, id, ivPart, dataPart, tagPart] = parts as [string, string, string, string, string];
    const key = keys.get(id);
    if (!key) throw new SealError('sealed with a key this process does not hold (rotated out?)');
    const iv = Buffer.from(ivPart, 'base64url');
    const tag = Buffer.from(tagPart, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealError('malformed sealed value');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(dataPart, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      // Never say more: a wrong key, a wrong context and tampering look the same from outside.
      throw new SealError('sealed value failed authentication');
    }
  }

  return {
    seal,
    open,
    sealJson: (value, context) => seal(JSON.stringify(value), context),
    openJson: (sealed, context) => JSON.parse(open(sealed, context)) as unknown,
  };
}

/**
 * The sealer a service runs with, from its validated environment (DATA_ENCRYPTION_KEY and, after a rotation,
 * DATA_ENCRYPTION_KEY_PREVIOUS). `decode` turns a configured key into its 32 bytes (@byot/config's decodeKey).
 */
export function sealerFromConfig(
  config: { DATA_ENCRYPTION_KEY: string; DATA_ENCRYPTION_KEY_PREVIOUS?: string | undefined },
  decode: (value: string) => Buffer | undefined,
): Sealer {
  const key = (value: string): Buffer => {
    const bytes = decode(value);
    if (!bytes) throw new SealError('an encryption key is not 32 bytes of base64 or hex');
    return bytes;
  };
  return createSealer(
    key(config.DATA_ENCRYPTION_KEY),
    config.DATA_ENCRYPTION_KEY_PREVIOUS ? [key(config.DATA_ENCRYPTION_KEY_PREVIOUS)] : [],
  );
}
