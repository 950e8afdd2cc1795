import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** 64 hex digits, or 32 bytes in base64 / base64url (43 characters and an optional '='). */
const KEY_FORM = '(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=?|[A-Za-z0-9_-]{43}=?)';
export const SECRETS_KEY_PATTERN = new RegExp(`^${KEY_FORM}$`);
export const SECRETS_KEY_HINT = 'must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)';
/** Keys retired by a rotation, comma-separated: secrets sealed with them still open, and are sealed again. */
export const PREVIOUS_SECRETS_KEYS_PATTERN = new RegExp(`^\\s*${KEY_FORM}\\s*(?:,\\s*${KEY_FORM}\\s*)*$`);
export const PREVIOUS_SECRETS_KEYS_HINT =
  'must be one or more keys of 32 bytes (64 hex digits or base64), separated by commas';

/** Thrown when a secret must be sealed or opened and no SECRETS_KEY is configured. */
export class SecretsUnavailableError extends Error {
  constructor() {
    super(
      'Provider credentials can only be stored encrypted, and SECRETS_KEY is not set on the server. Set it (32 bytes, base64 or hex) and restart.',
    );
  }
}

/** Thrown when a sealed value cannot be opened: another key, another context, or tampering. */
export class SecretUnreadableError extends Error {}

export function parseSecretsKey(value: string, name = 'SECRETS_KEY'): Buffer {
  const trimmed = value.trim();
  if (!SECRETS_KEY_PATTERN.test(trimmed)) throw new Error(`${name} ${SECRETS_KEY_HINT}`);
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${name} ${SECRETS_KEY_HINT}`);
  return key;
}

/** A fingerprint, not the key: 4 bytes of its SHA-256 tell keys apart and reveal nothing usable. */
function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Seals short secrets (provider credentials, webhook tokens) with AES-256-GCM for storage. A sealed value is
 * `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url); the key id says which key sealed it, so a wrong or
 * rotated key fails with a clear error. `context` (e.g. the account id and column) is bound as associated
 * data: a ciphertext copied to another account's row or another column does not open.
 *
 * Rotation: the current key seals; keys retired by a rotation (`previous`) still open what they sealed, and
 * `reseal` moves such a value to the current key.
 */
export class SecretBox {
  private readonly key: Buffer | null;
  private readonly keyId: string | null;
  private readonly openers = new Map<string, Buffer>();
  /** The ids of the retired keys this box still opens (SECRETS_KEY_PREVIOUS). */
  readonly previousKeyIds: string[];

  constructor(key: Buffer | null, previous: Buffer[] = []) {
    for (const k of [key, ...previous])
      if (k && k.length !== KEY_BYTES) throw new Error(`SecretBox needs ${KEY_BYTES}-byte keys`);
    if (previous.length && !key)
      throw new Error(
        'SECRETS_KEY_PREVIOUS is set without SECRETS_KEY: set SECRETS_KEY to the key that seals from now on',
      );
    this.key = key;
    this.keyId = key ? keyIdOf(key) : null;
    for (const k of previous) this.openers.set(keyIdOf(k), k);
    if (key) this.openers.set(this.keyId!, key);
    this.previousKeyIds = [...this.openers.keys()].filter((id) => id !== this.keyId);
  }

  static fromConfig(value: string | undefined, previous: string[] = []): SecretBox {
    return new SecretBox(
      value ? parseSecretsKey(value) : null,
      previous.map((k) => parseSecretsKey(k, 'SECRETS_KEY_PREVIOUS')),
    );
  }

  /** Whether secrets can be stored at all (SECRETS_KEY is set). */
  get available(): boolean {
    return this.key !== null;
  }

  /** The current key's id, which every value it seals carries; null without SECRETS_KEY. */
  get currentKeyId(): string | null {
    return this.keyId;
  }

  /** Whether a sealed value was sealed with one of the retired keys, so `reseal` should move it to the current one. */
  sealedWithPreviousKey(sealed: string): boolean {
    return this.previousKeyIds.includes(sealed.split('.')[1]);
  }

  /** The same secret sealed with the current key; throws SecretUnreadableError when no key of this box opens it. */
  reseal(sealed: string, context: string): string {
    return this.seal(this.open(sealed, context), context);
  }

  seal(plaintext: string, context: string): string {
    const key = this.requireKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      this.keyId,
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  open(sealed: string, context: string): string {
    this.requireKey();
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION)
      throw new SecretUnreadableError('The stored secret is not in a format this version can read');
    const [, keyId, iv, ciphertext, tag] = parts;
    const key = this.openers.get(keyId);
    if (!key) throw new SecretUnreadableError('The stored secret was sealed with another SECRETS_KEY');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError(
        'The stored secret failed its integrity check (wrong key, wrong owner or altered)',
      );
    }
  }

  private requireKey(): Buffer {
    if (!this.key) throw new SecretsUnavailableError();
    return this.key;
  }
}

/** Shows that a secret is set and which one, never the secret: '••••' followed by its last 4 characters. */
export function maskSecret(secret: string): string {
  return `••••${secret.slice(-4)}`;
}

/** SHA-256 hex: how bearer tokens are looked up without storing them in the clear. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
