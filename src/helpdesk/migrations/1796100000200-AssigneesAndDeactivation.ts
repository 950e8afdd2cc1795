import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tickets get an assignee (a user of the account, or nobody) and users can be deactivated: a deactivated user keeps
 * their history (comments, texts, ledger entries) but can no longer sign in or use their API token.
 */
export class AssigneesAndDeactivation1796100000200 implements MigrationInterface {
  name = 'AssigneesAndDeactivation1796100000200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tickets ADD COLUMN IF NOT EXISTS assignee_user_id uuid NULL`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "IDX_tickets_account_assignee" ON tickets (account_id, assignee_user_id)`,
    );
    // The console's tickets list: an account's tickets, latest activity first, a page at a time.
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "IDX_tickets_account_updated" ON tickets (account_id, updated_at DESC)`,
    );
    await queryRunner.query(`ALTER TABLE users ADD COLUMN IF NOT EXISTS deactivated_at timestamptz NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "IDX_tickets_account_assignee"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "IDX_tickets_account_updated"`);
    await queryRunner.query(`ALTER TABLE tickets DROP COLUMN IF EXISTS assignee_user_id`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN IF EXISTS deactivated_at`);
  }
}
