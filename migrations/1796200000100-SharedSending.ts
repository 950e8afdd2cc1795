import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Canned replies (per account, or per team), each member's optional sign-off, and the live-reply window: a reply to a
 * contact who texted within it goes at once, whatever the business hours.
 */
export class SharedSending1796200000100 implements MigrationInterface {
  name = 'SharedSending1796200000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "sms_canned_replies" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "account_id" text NOT NULL,
        "team_id" text,
        "name" text NOT NULL,
        "body" text NOT NULL,
        "updated_by_user_id" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_sms_canned_replies" PRIMARY KEY ("id")
      )
    `);
    // One name per scope: the account's own list, and each team's.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_sms_canned_replies_name" ON "sms_canned_replies" ("account_id", (coalesce("team_id", '')), lower("name"))`,
    );
    await queryRunner.query(`
      CREATE TABLE "sms_sign_offs" (
        "account_id" text NOT NULL,
        "user_id" text NOT NULL,
        "sign_off" text NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_sms_sign_offs" PRIMARY KEY ("account_id", "user_id")
      )
    `);
    await queryRunner.query(
      `ALTER TABLE "sms_settings" ADD COLUMN "live_reply_window_minutes" integer NOT NULL DEFAULT 1440`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sms_settings" DROP COLUMN "live_reply_window_minutes"`);
    await queryRunner.query(`DROP TABLE "sms_sign_offs"`);
    await queryRunner.query(`DROP TABLE "sms_canned_replies"`);
  }
}
