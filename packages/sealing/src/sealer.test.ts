import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createSealer, freshIv, SealError, sealerFromConfig } from './sealer.ts';

describe('createSealer', () => {
  const key = randomBytes(32);
  const sealer = createSealer(key);

  it('round-trips and hides the plaintext', () => {
    const sealed = sealer.sealJson({ otpCode: '482913', phoneE164: '+14155550123' }, 'evt1');
    assert.ok(!sealed.includes('482913'));
    assert.ok(
      !Buffer.from(sealed.split('.')[3] ?? '', 'base64url')
        .toString('latin1')
        .includes('482913'),
    );
    assert.deepEqual(sealer.openJson(sealed, 'evt1'), { otpCode: '482913', phoneE164: '+14155550123' });
  });

  it('uses a fresh IV each time', () => {
    assert.notEqual(sealer.seal('same', 'c'), sealer.seal('same', 'c'));
  });

  it('never repeats an IV across refills of the pool it draws them from, nor hands out a shared buffer', () => {
    const ivs = Array.from({ length: 2_000 }, () => freshIv()); // about six pools of 341
    assert.ok(ivs.every((iv) => iv.length === 12));
    assert.equal(new Set(ivs.map((iv) => iv.toString('hex'))).size, ivs.length);
    const [first, second] = ivs as [Buffer, Buffer];
    first.fill(0);
    assert.notEqual(second.toString('hex'), '000000000000000000000000');
    const sealedIvs = new Set(Array.from({ length: 800 }, () => sealer.seal('same', 'c').split('.')[2]));
    assert.equal(sealedIvs.size, 800);
  });

  it('refuses another context, tampering and unknown keys with one vague error', () => {
    const sealed = sealer.seal('482913', 'evt1');
    assert.throws(() => sealer.open(sealed, 'evt2'), SealError);
    const parts = sealed.split('.');
    const data = Buffer.from(parts[3] ?? '', 'base64url');
    data[0] = (data[0] ?? 0) ^ 1;
    parts[3] = data.toString('base64url');
    assert.throws(() => sealer.open(parts.join('.'), 'evt1'), /failed authentication/);
    assert.throws(() => createSealer(randomBytes(32)).open(sealed, 'evt1'), /key this process does not hold/);
    assert.throws(() => sealer.open('garbage', 'evt1'), /known version/);
  });

  it('opens values sealed with a previous key after rotation', () => {
    const sealedBefore = sealer.seal('482913', 'evt1');
    const rotated = createSealer(randomBytes(32), [key]);
    assert.equal(rotated.open(sealedBefore, 'evt1'), '482913');
  });

  it('refuses keys that are not 32 bytes', () => {
    assert.throws(() => createSealer(randomBytes(16)), /32 bytes/);
  });

  it('builds from configuration, opening what the previous key sealed', () => {
    const previous = randomBytes(32);
    const decode = (v: string) => (v.length === 44 ? Buffer.from(v, 'base64') : undefined);
    const sealedBefore = createSealer(previous).seal('482913', 'evt1');
    const rotated = sealerFromConfig(
      {
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        DATA_ENCRYPTION_KEY_PREVIOUS: previous.toString('base64'),
      },
      decode,
    );
    assert.equal(rotated.open(sealedBefore, 'evt1'), '482913');
    assert.throws(() => sealerFromConfig({ DATA_ENCRYPTION_KEY: 'short' }, decode), SealError);
  });
});
