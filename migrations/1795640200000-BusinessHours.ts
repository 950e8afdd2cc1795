import { MigrationInterface, QueryRunner } from 'typeorm';

/** Business hours and scheduled sends, number kinds and assignment, after-hours replies (issue 4, time half). */
export class BusinessHours1795640200000 implements MigrationInterface {
  name = 'BusinessHours1795640200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // NULL business hours: Monday to Friday 09:00–17:00 in the account's own time zone.
    await queryRunner.query(`
            ALTER TABLE "sms_settings"
                ADD "business_hours" jsonb,
                ADD "business_hours_only" boolean NOT NULL DEFAULT false,
                ADD "allow_send_now" boolean NOT NULL DEFAULT false
        `);
    await queryRunner.query(`
            ALTER TABLE "sms_numbers"
                ADD "kind" text NOT NULL DEFAULT 'shared',
                ADD "user_id" uuid,
                ADD "team_id" uuid,
                ADD CONSTRAINT "CHK_sms_numbers_assignment" CHECK (
                    (kind = 'shared' AND user_id IS NULL AND team_id IS NULL)
                    OR (kind = 'direct' AND user_id IS NOT NULL AND team_id IS NULL)
                    OR (kind = 'group' AND team_id IS NOT NULL AND user_id IS NULL)
                )
        `);
    // Scheduled rows of one account are re-planned together when its hours change; the sweep reads them by sendAt.
    await queryRunner.query(`
            CREATE INDEX "IDX_sms_messages_scheduled" ON "sms_messages" ("account_id", "send_at")
            WHERE status = 'scheduled'
        `);
    // "Did an agent text this contact in the last minutes?" is asked for every after-hours inbound text.
    await queryRunner.query(`
            CREATE INDEX "IDX_sms_messages_outbound_to" ON "sms_messages" ("account_id", "to_number", "created_at")
            WHERE direction = 'outbound'
        `);
    await queryRunner.query(`
            CREATE TABLE "sms_after_hours_replies" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "level" text NOT NULL,
                "owner_id" uuid NOT NULL,
                "enabled" boolean NOT NULL,
                "hours" jsonb,
                "body" text,
                "window_hours" integer,
                "updated_by_user_id" uuid,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_sms_after_hours_replies" PRIMARY KEY ("id"),
                CONSTRAINT "CHK_sms_after_hours_replies_level" CHECK (level IN ('account', 'team', 'user'))
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_sms_after_hours_replies_owner" ON "sms_after_hours_replies" ("account_id", "level", "owner_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "sms_after_hours_editors" (
                "account_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "granted_by_user_id" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_sms_after_hours_editors" PRIMARY KEY ("account_id", "user_id")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "sms_after_hours_contacts" (
                "account_id" uuid NOT NULL,
                "contact_phone" text NOT NULL,
                "last_replied_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_sms_after_hours_contacts" PRIMARY KEY ("account_id", "contact_phone")
            )
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sms_after_hours_contacts"`);
    await queryRunner.query(`DROP TABLE "sms_after_hours_editors"`);
    await queryRunner.query(`DROP INDEX "UQ_sms_after_hours_replies_owner"`);
    await queryRunner.query(`DROP TABLE "sms_after_hours_replies"`);
    await queryRunner.query(`DROP INDEX "IDX_sms_messages_outbound_to"`);
    await queryRunner.query(`DROP INDEX "IDX_sms_messages_scheduled"`);
    await queryRunner.query(`
            ALTER TABLE "sms_numbers"
                DROP CONSTRAINT "CHK_sms_numbers_assignment",
                DROP COLUMN "team_id",
                DROP COLUMN "user_id",
                DROP COLUMN "kind"
        `);
    await queryRunner.query(`
            ALTER TABLE "sms_settings"
                DROP COLUMN "allow_send_now",
                DROP COLUMN "business_hours_only",
                DROP COLUMN "business_hours"
        `);
  }
}
