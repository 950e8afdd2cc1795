import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The platform's own numbers and the account each is assigned to: an account may use a platform number only once
 * the platform assigned it. Numbers the platform's provider already verified for an account that sends through the
 * platform are carried over as assigned, so their texts keep flowing; the platform reviews them with
 * GET /api/platform/accounts/:id/numbers and unassigns any that were not meant for that account.
 */
export class PlatformNumbers1796100000100 implements MigrationInterface {
  name = 'PlatformNumbers1796100000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "sms_platform_numbers" (
        "number" text NOT NULL,
        "account_id" text NOT NULL,
        "assigned_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_sms_platform_numbers" PRIMARY KEY ("number")
      )
    `);
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_platform_numbers_account" ON "sms_platform_numbers" ("account_id", "assigned_at")`,
    );
    await queryRunner.query(`
      INSERT INTO "sms_platform_numbers" ("number", "account_id", "assigned_at")
      SELECT n.number, n.account_id::text, n.created_at
        FROM sms_numbers n LEFT JOIN sms_settings s ON s.account_id = n.account_id
       WHERE n.verified_at IS NOT NULL AND coalesce(s.provider, 'platform') = 'platform'
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sms_platform_numbers"`);
  }
}
