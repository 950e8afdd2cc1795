import { randomBytes } from 'node:crypto';
import {
  maskSecret,
  parseSecretsKey,
  SecretBox,
  SecretsUnavailableError,
  SecretUnreadableError,
  tokenDigest,
} from './secret-box';

describe('SecretBox', () => {
  const key = randomBytes(32);
  const sut = new SecretBox(key);
  const context = 'sms_settings:7d1c3a52-0d5e-4c57-9a55-4d1b0c1f0a11:flowroute_credentials';

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const sealed = sut.seal('f1c4d9e2b7a8403c9d5e6f7a8b9c0d1e', context);
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('f1c4d9e2');
    expect(sut.open(sealed, context)).toBe('f1c4d9e2b7a8403c9d5e6f7a8b9c0d1e');
  });

  it('seals the same secret differently each time (random IV)', () => {
    expect(sut.seal('same', context)).not.toBe(sut.seal('same', context));
  });

  it('refuses a ciphertext moved to another context, altered, or sealed with another key', () => {
    const sealed = sut.seal('secret', context);
    expect(() => sut.open(sealed, context.replace('7d1c', '0000'))).toThrow(SecretUnreadableError);
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    expect(() => sut.open([...parts.slice(0, 3), flipped.toString('base64url'), parts[4]].join('.'), context)).toThrow(
      /integrity/,
    );
    expect(() => new SecretBox(randomBytes(32)).open(sealed, context)).toThrow(/another SECRETS_KEY/);
    expect(() => sut.open('plain text', context)).toThrow(/format/);
  });

  it('without a key, refuses to seal or open with a message naming SECRETS_KEY', () => {
    const keyless = SecretBox.fromConfig(undefined);
    expect(keyless.available).toBe(false);
    expect(() => keyless.seal('secret', context)).toThrow(SecretsUnavailableError);
    expect(() => keyless.seal('secret', context)).toThrow(/SECRETS_KEY is not set/);
  });

  it('after a rotation, opens what a previous key sealed, seals only with the new key, and reseals', () => {
    const rotated = SecretBox.fromConfig(randomBytes(32).toString('hex'), [
      randomBytes(32).toString('base64'),
      key.toString('base64'),
    ]);
    const old = sut.seal('secret', context);

    expect(rotated.open(old, context)).toBe('secret');
    expect(rotated.previousKeyIds).toContain(old.split('.')[1]);
    expect(rotated.sealedWithPreviousKey(old)).toBe(true);
    expect(rotated.previousKeyIds).not.toContain(rotated.currentKeyId);
    const fresh = rotated.reseal(old, context);
    expect(fresh.split('.')[1]).toBe(rotated.currentKeyId);
    expect(rotated.seal('secret', context).split('.')[1]).toBe(rotated.currentKeyId);
    expect(rotated.sealedWithPreviousKey(fresh)).toBe(false);
    expect(rotated.open(fresh, context)).toBe('secret');
    // The old key alone cannot read the new seal; a previous key is no way round the context either.
    expect(() => sut.open(fresh, context)).toThrow(/another SECRETS_KEY/);
    expect(() => rotated.reseal(old, context.replace('7d1c', '0000'))).toThrow(SecretUnreadableError);
  });

  it('refuses previous keys without a current one', () => {
    expect(() => SecretBox.fromConfig(undefined, [key.toString('hex')])).toThrow(
      /SECRETS_KEY_PREVIOUS is set without SECRETS_KEY/,
    );
    expect(() => SecretBox.fromConfig(key.toString('hex'), ['short'])).toThrow(/SECRETS_KEY_PREVIOUS must be 32 bytes/);
  });

  it('reads the key as hex, base64 or base64url, and refuses anything but 32 bytes', () => {
    expect(parseSecretsKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretsKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretsKey(key.toString('base64url'))).toEqual(key);
    expect(() => parseSecretsKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => parseSecretsKey('correct horse battery staple')).toThrow(/32 bytes/);
  });
});

describe('maskSecret and tokenDigest', () => {
  it('shows only the last four characters', () => {
    expect(maskSecret('f1c4d9e2b7a8403c9d5e6f7a8b9c0d1e')).toBe('••••0d1e');
  });

  it('digests a token to 64 hex digits, the same each time', () => {
    expect(tokenDigest('abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenDigest('abc')).toBe(tokenDigest('abc'));
    expect(tokenDigest('abc')).not.toBe(tokenDigest('abd'));
  });
});
