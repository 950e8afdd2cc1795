import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Numbers get an unassigned state and chosen users, and remember earlier assignments so that reassigning a number
 * never shows its old threads to new people. What an existing install has keeps working as it did: its `shared`
 * numbers stay account-wide and their whole history stays visible to everyone (history_from stays null); only
 * numbers added from now on start unassigned. Agents may set themselves away. Claim expiry and response deadlines
 * become jobs: answered waits and those on team or shared numbers need none, and the first sweep gives the open waits
 * on direct numbers and the live claims theirs (a claim already past its expiry is released then).
 */
export class NumberLifecycle1796200000000 implements MigrationInterface {
  name = 'NumberLifecycle1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sms_numbers" ADD "member_ids" text[] NOT NULL DEFAULT '{}'`);
    // Existing numbers keep their whole history in view (null); a number added from now on starts with no past.
    await queryRunner.query(`ALTER TABLE "sms_numbers" ADD "history_from" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "sms_numbers" ALTER COLUMN "history_from" SET DEFAULT now()`);
    await queryRunner.query(`ALTER TABLE "sms_numbers" ALTER COLUMN "kind" SET DEFAULT 'unassigned'`);
    await queryRunner.query(`ALTER TABLE "sms_numbers" DROP CONSTRAINT "CHK_sms_numbers_assignment"`);
    await queryRunner.query(`ALTER TABLE "sms_numbers" ADD CONSTRAINT "CHK_sms_numbers_assignment" CHECK (
      (kind IN ('shared', 'unassigned') AND user_id IS NULL AND team_id IS NULL AND cardinality(member_ids) = 0)
      OR (kind = 'direct' AND user_id IS NOT NULL AND team_id IS NULL AND cardinality(member_ids) = 0)
      OR (kind = 'group' AND team_id IS NOT NULL AND user_id IS NULL AND cardinality(member_ids) = 0)
      OR (kind = 'users' AND user_id IS NULL AND team_id IS NULL AND cardinality(member_ids) > 0))`);
    await queryRunner.query(`
      CREATE TABLE "sms_number_history" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "account_id" text NOT NULL,
        "number_id" uuid NOT NULL,
        "kind" text NOT NULL,
        "user_id" text,
        "team_id" text,
        "member_ids" text[] NOT NULL DEFAULT '{}',
        "history_visibility" text NOT NULL,
        "visible_from" TIMESTAMP WITH TIME ZONE,
        "visible_until" TIMESTAMP WITH TIME ZONE NOT NULL,
        "changed_by_user_id" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_sms_number_history" PRIMARY KEY ("id"),
        CONSTRAINT "FK_sms_number_history_number" FOREIGN KEY ("number_id") REFERENCES "sms_numbers"("id") ON DELETE CASCADE
      )
    `);
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_number_history_number" ON "sms_number_history" ("number_id", "visible_until")`,
    );
    await queryRunner.query(`ALTER TABLE "sms_agent_availability" DROP CONSTRAINT "CHK_sms_agent_availability_status"`);
    await queryRunner.query(
      `ALTER TABLE "sms_agent_availability" ADD CONSTRAINT "CHK_sms_agent_availability_status" CHECK (status IN ('available', 'away', 'missed', 'unresponsive'))`,
    );
    await queryRunner.query(`ALTER TABLE "sms_conversation_waits" ADD "deadline_checked_at" TIMESTAMP WITH TIME ZONE`);
    // Open waits on direct numbers get their deadline job from the first sweep; the others need none.
    await queryRunner.query(
      `UPDATE "sms_conversation_waits" SET "deadline_checked_at" = now() WHERE "answered_at" IS NOT NULL OR "direct_user_id" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_conversation_waits_deadline" ON "sms_conversation_waits" ("started_at") WHERE "deadline_checked_at" IS NULL AND "direct_user_id" IS NOT NULL`,
    );
    // The sweep reads live claims by expiry.
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_conversations_claim_expiry" ON "sms_conversations" ("claim_expires_at") WHERE "claim_id" IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_sms_conversations_claim_expiry"`);
    await queryRunner.query(`DROP INDEX "IDX_sms_conversation_waits_deadline"`);
    await queryRunner.query(`ALTER TABLE "sms_conversation_waits" DROP COLUMN "deadline_checked_at"`);
    await queryRunner.query(`UPDATE "sms_agent_availability" SET "status" = 'available' WHERE "status" = 'away'`);
    await queryRunner.query(`ALTER TABLE "sms_agent_availability" DROP CONSTRAINT "CHK_sms_agent_availability_status"`);
    await queryRunner.query(
      `ALTER TABLE "sms_agent_availability" ADD CONSTRAINT "CHK_sms_agent_availability_status" CHECK (status IN ('available', 'missed', 'unresponsive'))`,
    );
    await queryRunner.query(`DROP TABLE "sms_number_history"`);
    // Unassigned and chosen-users numbers become account-wide, the nearest the older schema has.
    await queryRunner.query(
      `UPDATE "sms_numbers" SET "kind" = 'shared', "member_ids" = '{}' WHERE "kind" IN ('unassigned', 'users')`,
    );
    await queryRunner.query(`ALTER TABLE "sms_numbers" DROP CONSTRAINT "CHK_sms_numbers_assignment"`);
    await queryRunner.query(`ALTER TABLE "sms_numbers" ADD CONSTRAINT "CHK_sms_numbers_assignment" CHECK (
      (kind = 'shared' AND user_id IS NULL AND team_id IS NULL)
      OR (kind = 'direct' AND user_id IS NOT NULL AND team_id IS NULL)
      OR (kind = 'group' AND team_id IS NOT NULL AND user_id IS NULL))`);
    await queryRunner.query(`ALTER TABLE "sms_numbers" ALTER COLUMN "kind" SET DEFAULT 'shared'`);
    await queryRunner.query(`ALTER TABLE "sms_numbers" DROP COLUMN "history_from"`);
    await queryRunner.query(`ALTER TABLE "sms_numbers" DROP COLUMN "member_ids"`);
  }
}
