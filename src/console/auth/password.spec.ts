import { hashPassword, passwordProblem, verifyPassword } from './password';

describe('console passwords', () => {
  it('verifies the password that was hashed and refuses any other', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored).not.toContain('correct horse battery');
    await expect(verifyPassword('correct horse battery', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', stored)).resolves.toBe(false);
  });

  it('salts each hash, so equal passwords do not look equal', async () => {
    const cheap = { N: 1024, r: 8, p: 1 };
    expect(await hashPassword('same password', cheap)).not.toBe(await hashPassword('same password', cheap));
  });

  it('keeps verifying hashes made with another cost', async () => {
    const stored = await hashPassword('an older password', { N: 1024, r: 8, p: 1 });
    await expect(verifyPassword('an older password', stored)).resolves.toBe(true);
  });

  it('refuses a malformed stored hash instead of throwing', async () => {
    await expect(verifyPassword('anything', 'plain-text')).resolves.toBe(false);
  });

  it('asks for at least ten characters', () => {
    expect(passwordProblem('short')).toMatch(/at least 10/);
    expect(passwordProblem('long enough!')).toBeNull();
  });
});
