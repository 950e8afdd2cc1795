/**
 * Rotating SECRETS_KEY: a server given the new key and the old one as SECRETS_KEY_PREVIOUS reads the accounts'
 * Flowroute secrets at once and seals them again with the new key, after which the old key can be dropped.
 * Real PostgreSQL, Redis and BullMQ (the maintenance sweep does the sealing); a fake Flowroute server.
 */
import { createHash, randomBytes } from 'node:crypto';
import { FakeFlowroute } from '../fakes/fake-flowroute';
import { eventually, TestAccount, TestApp } from '../support/test-app';

jest.setTimeout(90_000);

const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('hex');
const keyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);
const OLD_ID = keyId(Buffer.from(OLD_KEY, 'base64'));
const NEW_ID = keyId(Buffer.from(NEW_KEY, 'hex'));

interface SealedRow {
  flowroute_credentials: string;
  flowroute_webhook_token: string;
  flowroute_webhook_token_hash: string;
}

describe('rotating SECRETS_KEY', () => {
  let owner: TestApp;
  let flowroute: FakeFlowroute;
  let acme: TestAccount;
  let inboundUrl: string;
  let sealedWithOld: SealedRow;

  // The first process only serves HTTP, so that only the processes started below with other keys run the sweep.
  beforeAll(async () => {
    flowroute = await FakeFlowroute.start();
    owner = await TestApp.start({
      suite: 'secrets_rotation',
      env: { ROLE: 'api', SECRETS_KEY: OLD_KEY, FLOWROUTE_API_URL: flowroute.url },
    });
    acme = await owner.account('Acme IT');
    const saved = await acme
      .put('/api/sms/settings', { flowroute: { accessKey: flowroute.accessKey, secretKey: flowroute.secretKey } })
      .expect(200);
    inboundUrl = saved.body.flowroute.inboundUrl;
    sealedWithOld = await row();
  });

  afterAll(async () => {
    await owner?.close();
    await flowroute?.close();
  });

  const row = async (): Promise<SealedRow> =>
    (
      (await owner.db.query(
        `SELECT flowroute_credentials, flowroute_webhook_token, flowroute_webhook_token_hash FROM sms_settings WHERE account_id = $1`,
        [acme.id],
      )) as SealedRow[]
    )[0];
  const on = (t: TestApp) => new TestAccount(t, acme.id, acme.adminToken);
  const masked = {
    accessKey: () => `••••${flowroute.accessKey.slice(-4)}`,
    secretKey: () => `••••${flowroute.secretKey.slice(-4)}`,
  };

  async function withProcess<T>(
    changes: Record<string, string | undefined>,
    role: 'api' | 'all',
    use: (t: TestApp) => Promise<T>,
  ): Promise<T> {
    const t = await owner.sibling(role, changes);
    try {
      return await use(t);
    } finally {
      await t.close();
    }
  }

  it('the secrets start sealed with the old key', () => {
    expect(sealedWithOld.flowroute_credentials.split('.')[1]).toBe(OLD_ID);
    expect(sealedWithOld.flowroute_webhook_token.split('.')[1]).toBe(OLD_ID);
  });

  it('with the new key alone, the old secrets do not open: the admin is told why, and nothing changes', async () => {
    await withProcess({ SECRETS_KEY: NEW_KEY }, 'all', async (t) => {
      const view = (await on(t).get('/api/sms/settings').expect(200)).body.flowroute;
      expect(view.problem).toMatch(/another SECRETS_KEY/);
      const test = await on(t).post('/api/sms/settings/flowroute/test', {}).expect(422);
      expect(test.body.message).toMatch(/cannot be read .*enter them again/);
      // The sweep is what seals secrets again: two whole sweeps of this process ran and left the unreadable ones as they were.
      await t.sweeps(2);
    });
    expect(await row()).toEqual(sealedWithOld);
  });

  it('with the old key as SECRETS_KEY_PREVIOUS, they open at once and are sealed again with the new key', async () => {
    await withProcess(
      { SECRETS_KEY: NEW_KEY, SECRETS_KEY_PREVIOUS: `${randomBytes(32).toString('base64')}, ${OLD_KEY}` },
      'all',
      async (t) => {
        expect((await on(t).get('/api/sms/settings').expect(200)).body.flowroute).toEqual({
          accessKey: masked.accessKey(),
          secretKey: masked.secretKey(),
          inboundUrl,
          problem: null,
        });

        const resealed = await eventually(
          row,
          (r) => r.flowroute_credentials.split('.')[1] === NEW_ID && r.flowroute_webhook_token.split('.')[1] === NEW_ID,
        );
        expect(resealed.flowroute_credentials).not.toBe(sealedWithOld.flowroute_credentials);
        expect(resealed.flowroute_webhook_token_hash).toBe(sealedWithOld.flowroute_webhook_token_hash); // the same token, so Flowroute's URL stays
        expect(JSON.stringify(resealed)).not.toContain(flowroute.secretKey);
        expect((await on(t).post('/api/sms/settings/flowroute/test', {}).expect(200)).body.ok).toBe(true);
      },
    );
  });

  it('then the old key can go: the new key alone reads everything, and the webhook URL is unchanged', async () => {
    await withProcess({ SECRETS_KEY: NEW_KEY }, 'api', async (t) => {
      expect((await on(t).get('/api/sms/settings').expect(200)).body.flowroute).toEqual({
        accessKey: masked.accessKey(),
        secretKey: masked.secretKey(),
        inboundUrl,
        problem: null,
      });
      expect((await on(t).post('/api/sms/settings/flowroute/test', {}).expect(200)).body).toEqual({
        ok: true,
        message: 'Flowroute accepted the access key and secret key',
      });
    });
    // The process that sealed with the old key can no longer read them: why every process must get the new key.
    expect((await acme.get('/api/sms/settings').expect(200)).body.flowroute.problem).toMatch(/another SECRETS_KEY/);
  });
});
