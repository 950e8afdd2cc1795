import { createHash, randomBytes } from 'node:crypto';

/** A new bearer token: shown once to its owner, stored only as its hash. */
export function newApiToken(): { token: string; hash: string } {
  const token = `tsk_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** SHA-256 is enough here: tokens carry 256 random bits, so there is nothing to brute-force. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
