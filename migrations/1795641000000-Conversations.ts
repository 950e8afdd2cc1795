import { MigrationInterface, QueryRunner } from 'typeorm';

/** Numbers and conversations (issue 5): verification, claims, waits, agent availability, bulk imports, session reports. */
export class Conversations1795641000000 implements MigrationInterface {
  name = 'Conversations1795641000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "sms_settings"
                ADD "claim_timeout_minutes" integer NOT NULL DEFAULT 5,
                ADD "response_time_minutes" integer NOT NULL DEFAULT 10,
                ADD "missed_threshold" integer NOT NULL DEFAULT 2,
                ADD "unresponsive_threshold" integer NOT NULL DEFAULT 2,
                ADD "session_gap_hours" integer NOT NULL DEFAULT 24
        `);
    await queryRunner.query(`
            ALTER TABLE "sms_numbers"
                ADD "verified_at" TIMESTAMP WITH TIME ZONE,
                ADD "verification_checked_at" TIMESTAMP WITH TIME ZONE,
                ADD "verification_error" text,
                ADD "history_visibility" text NOT NULL DEFAULT 'members',
                ADD "claim_timeout_minutes" integer,
                ADD CONSTRAINT "CHK_sms_numbers_history_visibility" CHECK (history_visibility IN ('members', 'handler')),
                ADD CONSTRAINT "CHK_sms_numbers_claim_timeout" CHECK (claim_timeout_minutes IS NULL OR claim_timeout_minutes BETWEEN 1 AND 1440)
        `);
    // Numbers added before verification existed were already sending: they count as verified.
    await queryRunner.query(`UPDATE "sms_numbers" SET "verified_at" = now(), "verification_checked_at" = now()`);
    // A user's direct numbers and a team's numbers are looked up on every send and every visibility check.
    await queryRunner.query(`CREATE INDEX "IDX_sms_numbers_user" ON "sms_numbers" ("account_id", "user_id") WHERE user_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_sms_numbers_team" ON "sms_numbers" ("account_id", "team_id") WHERE team_id IS NOT NULL`);

    await queryRunner.query(`
            ALTER TABLE "sms_conversations"
                ADD "last_activity_at" TIMESTAMP WITH TIME ZONE,
                ADD "waiting_since" TIMESTAMP WITH TIME ZONE,
                ADD "last_reply_at" TIMESTAMP WITH TIME ZONE,
                ADD "last_reply_by_user_id" uuid,
                ADD "claim_id" uuid,
                ADD "claimed_by_user_id" uuid,
                ADD "claim_expires_at" TIMESTAMP WITH TIME ZONE,
                ADD "routed_team_ids" uuid array NOT NULL DEFAULT '{}',
                ADD CONSTRAINT "CHK_sms_conversations_claim" CHECK ((claimed_by_user_id IS NULL) = (claim_expires_at IS NULL) AND (claimed_by_user_id IS NULL) = (claim_id IS NULL))
        `);
    await queryRunner.query(`UPDATE "sms_conversations" SET "last_activity_at" = GREATEST(last_inbound_at, last_outbound_at, created_at)`);
    await queryRunner.query(`CREATE INDEX "IDX_sms_conversations_activity" ON "sms_conversations" ("account_id", "last_activity_at")`);

    // Every claim of a conversation, who held it and how it ended: claims, transfers, lapses and the reports read it.
    await queryRunner.query(`
            CREATE TABLE "sms_conversation_claims" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "conversation_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "via" text NOT NULL,
                "from_user_id" uuid,
                "claimed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "replied_at" TIMESTAMP WITH TIME ZONE,
                "ended_at" TIMESTAMP WITH TIME ZONE,
                "end_reason" text,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_sms_conversation_claims" PRIMARY KEY ("id"),
                CONSTRAINT "CHK_sms_conversation_claims_via" CHECK (via IN ('reply', 'claim', 'transfer')),
                CONSTRAINT "CHK_sms_conversation_claims_end" CHECK (end_reason IS NULL OR end_reason IN ('released', 'transferred', 'expired'))
            )
        `);
    await queryRunner.query(`CREATE INDEX "IDX_sms_conversation_claims_conversation" ON "sms_conversation_claims" ("conversation_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_sms_conversation_claims_user" ON "sms_conversation_claims" ("account_id", "user_id", "claimed_at")`);

    // A contact waiting for an answer: opened by their text, closed by a person's reply. Missed answers are counted here.
    await queryRunner.query(`
            CREATE TABLE "sms_conversation_waits" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "conversation_id" uuid NOT NULL,
                "direct_user_id" uuid,
                "started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "answered_at" TIMESTAMP WITH TIME ZONE,
                "answered_by_user_id" uuid,
                CONSTRAINT "PK_sms_conversation_waits" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_sms_conversation_waits_open" ON "sms_conversation_waits" ("conversation_id") WHERE answered_at IS NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_sms_conversation_waits_direct" ON "sms_conversation_waits" ("account_id", "direct_user_id", "started_at") WHERE direct_user_id IS NOT NULL`);

    await queryRunner.query(`
            CREATE TABLE "sms_agent_availability" (
                "account_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "status" text NOT NULL,
                "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "reason" text,
                CONSTRAINT "PK_sms_agent_availability" PRIMARY KEY ("account_id", "user_id"),
                CONSTRAINT "CHK_sms_agent_availability_status" CHECK (status IN ('available', 'missed', 'unresponsive'))
            )
        `);

    await queryRunner.query(`
            CREATE TABLE "sms_number_imports" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "created_by_user_id" uuid,
                "rows" integer NOT NULL,
                "applied" integer NOT NULL,
                "failed" integer NOT NULL,
                "errors" jsonb NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_sms_number_imports" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`CREATE INDEX "IDX_sms_number_imports_account" ON "sms_number_imports" ("account_id", "created_at")`);

    // A conversation's messages (both directions: business number and contact phone swap places) and the session report.
    await queryRunner.query(`CREATE INDEX "IDX_sms_messages_pair" ON "sms_messages" ("account_id", "from_number", "to_number", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_sms_messages_account_created" ON "sms_messages" ("account_id", "created_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_sms_messages_account_created"`);
    await queryRunner.query(`DROP INDEX "IDX_sms_messages_pair"`);
    await queryRunner.query(`DROP TABLE "sms_number_imports"`);
    await queryRunner.query(`DROP TABLE "sms_agent_availability"`);
    await queryRunner.query(`DROP TABLE "sms_conversation_waits"`);
    await queryRunner.query(`DROP TABLE "sms_conversation_claims"`);
    await queryRunner.query(`DROP INDEX "IDX_sms_conversations_activity"`);
    await queryRunner.query(`
            ALTER TABLE "sms_conversations"
                DROP CONSTRAINT "CHK_sms_conversations_claim",
                DROP COLUMN "routed_team_ids",
                DROP COLUMN "claim_expires_at",
                DROP COLUMN "claimed_by_user_id",
                DROP COLUMN "claim_id",
                DROP COLUMN "last_reply_by_user_id",
                DROP COLUMN "last_reply_at",
                DROP COLUMN "waiting_since",
                DROP COLUMN "last_activity_at"
        `);
    await queryRunner.query(`DROP INDEX "IDX_sms_numbers_team"`);
    await queryRunner.query(`DROP INDEX "IDX_sms_numbers_user"`);
    await queryRunner.query(`
            ALTER TABLE "sms_numbers"
                DROP CONSTRAINT "CHK_sms_numbers_claim_timeout",
                DROP CONSTRAINT "CHK_sms_numbers_history_visibility",
                DROP COLUMN "claim_timeout_minutes",
                DROP COLUMN "history_visibility",
                DROP COLUMN "verification_error",
                DROP COLUMN "verification_checked_at",
                DROP COLUMN "verified_at"
        `);
    await queryRunner.query(`
            ALTER TABLE "sms_settings"
                DROP COLUMN "session_gap_hours",
                DROP COLUMN "unresponsive_threshold",
                DROP COLUMN "missed_threshold",
                DROP COLUMN "response_time_minutes",
                DROP COLUMN "claim_timeout_minutes"
        `);
  }
}
