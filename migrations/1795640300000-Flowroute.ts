import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-account provider: the platform's Twilio, or the account's own Flowroute with sealed credentials (issue 6). */
export class Flowroute1795640300000 implements MigrationInterface {
  name = 'Flowroute1795640300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Credentials and the webhook token are AES-256-GCM sealed text; the token is found by its SHA-256 digest.
    await queryRunner.query(`
            ALTER TABLE "sms_settings"
                ADD "provider" text NOT NULL DEFAULT 'platform',
                ADD "flowroute_credentials" text,
                ADD "flowroute_webhook_token" text,
                ADD "flowroute_webhook_token_hash" text,
                ADD CONSTRAINT "CHK_sms_settings_provider" CHECK ("provider" IN ('platform', 'flowroute')),
                ADD CONSTRAINT "CHK_sms_settings_flowroute_credentials" CHECK ("provider" = 'platform' OR "flowroute_credentials" IS NOT NULL)
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_sms_settings_flowroute_webhook_token_hash" ON "sms_settings" ("flowroute_webhook_token_hash")
            WHERE flowroute_webhook_token_hash IS NOT NULL
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_sms_settings_flowroute_webhook_token_hash"`);
    await queryRunner.query(`
            ALTER TABLE "sms_settings"
                DROP CONSTRAINT "CHK_sms_settings_flowroute_credentials",
                DROP CONSTRAINT "CHK_sms_settings_provider",
                DROP COLUMN "flowroute_webhook_token_hash",
                DROP COLUMN "flowroute_webhook_token",
                DROP COLUMN "flowroute_credentials",
                DROP COLUMN "provider"
        `);
  }
}
