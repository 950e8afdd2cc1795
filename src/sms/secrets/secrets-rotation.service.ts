import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { credentialsContext, tokenContext } from '../providers/flowroute/flowroute-settings.service';
import { SecretBox, SecretUnreadableError } from './secret-box';

/** Rows sealed with a retired key, a few at a time; a sweep runs again soon after. */
const BATCH = 100;

interface SealedRow {
  account_id: string;
  flowroute_credentials: string | null;
  flowroute_webhook_token: string | null;
}

/**
 * After a SECRETS_KEY rotation, seals again with the current key every secret that a key in SECRETS_KEY_PREVIOUS
 * sealed, so the old key can then be dropped. Each value is replaced only if it is still the one read: a value an
 * admin changed meanwhile is left as it is (it was sealed with the current key). Runs with every maintenance sweep
 * while SECRETS_KEY_PREVIOUS is set; with nothing left to do it is one query that finds no row.
 */
@Injectable()
export class SecretsRotation {
  private readonly logger = new Logger(SecretsRotation.name);
  /** Values that did not open, so each is reported once per process rather than every sweep. */
  private readonly unreadable = new Set<string>();

  constructor(
    private readonly secrets: SecretBox,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** How many values it sealed again. */
  async run(): Promise<number> {
    const retired = this.secrets.previousKeyIds;
    if (retired.length === 0 || !this.secrets.available) return 0;
    const rows = (await this.db.query(
      `SELECT account_id, flowroute_credentials, flowroute_webhook_token FROM sms_settings
        WHERE split_part(flowroute_credentials, '.', 2) = ANY($1) OR split_part(flowroute_webhook_token, '.', 2) = ANY($1)
        LIMIT ${BATCH}`,
      [retired],
    )) as SealedRow[];
    let resealed = 0;
    for (const row of rows) {
      resealed += await this.reseal(
        row.account_id,
        'flowroute_credentials',
        row.flowroute_credentials,
        credentialsContext(row.account_id),
      );
      resealed += await this.reseal(
        row.account_id,
        'flowroute_webhook_token',
        row.flowroute_webhook_token,
        tokenContext(row.account_id),
      );
    }
    if (resealed > 0) this.logger.log({ resealed }, 'sealed stored secrets again with the current SECRETS_KEY');
    return resealed;
  }

  private async reseal(
    accountId: string,
    column: 'flowroute_credentials' | 'flowroute_webhook_token',
    sealed: string | null,
    context: string,
  ): Promise<number> {
    if (!sealed || !this.secrets.sealedWithPreviousKey(sealed)) return 0;
    let fresh: string;
    try {
      fresh = this.secrets.reseal(sealed, context);
    } catch (e) {
      if (!(e instanceof SecretUnreadableError)) throw e;
      // Altered, or copied from another row: it cannot be moved, and the admin is told to enter it again when it is used.
      if (!this.unreadable.has(sealed)) {
        this.unreadable.add(sealed);
        this.logger.warn(
          { accountId, column, reason: e.message },
          'a stored secret sealed with a retired key does not open; left as it is',
        );
      }
      return 0;
    }
    const [, changed] = (await this.db.query(
      `UPDATE sms_settings SET ${column} = $1 WHERE account_id = $2 AND ${column} = $3`,
      [fresh, accountId, sealed],
    )) as [unknown, number];
    return changed;
  }
}
