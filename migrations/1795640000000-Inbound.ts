import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbound SMS/MMS: conversations, media items, opt-outs, texts to numbers no account owns, the reply-matching
 * columns on sms_messages and the inbound settings. Written by hand; names follow TypeORM's naming strategy.
 */
export class Inbound1795640000000 implements MigrationInterface {
  name = 'Inbound1795640000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "sms_messages"
        ADD "conversation_id" uuid,
        ADD "customer_id" uuid,
        ADD "match_rule" text,
        ADD "match_guess" boolean NOT NULL DEFAULT false,
        ADD "inbound_media" jsonb
    `);
    await queryRunner.query(`
      CREATE INDEX "IDX_b36fff886ae27a96ca0044a529" ON "sms_messages" ("account_id", "created_at")
      WHERE direction = 'inbound' AND (match_guess OR match_rule = 'triage' OR status = 'failed')
    `);
    await queryRunner.query(`
      CREATE TABLE "sms_conversations" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "account_id" uuid NOT NULL,
        "business_number" text NOT NULL,
        "contact_phone" text NOT NULL,
        "last_outbound_ticket_id" uuid,
        "last_outbound_at" TIMESTAMP WITH TIME ZONE,
        "last_inbound_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_b8d2d1ac18cdb16c716981e3a17" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX "IDX_a191a6b7d8560019fbe3564014" ON "sms_conversations" ("account_id", "business_number", "contact_phone")
    `);
    await queryRunner.query(`
      CREATE TABLE "sms_media" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "account_id" uuid NOT NULL,
        "message_id" uuid NOT NULL,
        "position" smallint NOT NULL,
        "source_url" text,
        "declared_content_type" text,
        "status" text NOT NULL DEFAULT 'pending',
        "content_type" text,
        "size" integer,
        "width" integer,
        "height" integer,
        "storage_key" text,
        "thumbnail_key" text,
        "thumbnail_content_type" text,
        "rejection_reason" text,
        "rejection_detail" text,
        "provider_deleted_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_55a89caa9a1358d333b2680d010" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX "IDX_bdd10775e1be3fcd48e7898b85" ON "sms_media" ("message_id", "position")
    `);
    await queryRunner.query(`
      CREATE TABLE "sms_opt_outs" (
        "account_id" uuid NOT NULL,
        "phone" text NOT NULL,
        "keyword" text NOT NULL,
        "message_id" uuid,
        "opted_out_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_b55acb3559f9d18513ec87b606d" PRIMARY KEY ("account_id", "phone")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "sms_unroutable_messages" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "provider" text NOT NULL,
        "provider_message_id" text NOT NULL,
        "to_number" text NOT NULL,
        "from_number" text NOT NULL,
        "body" text NOT NULL,
        "num_media" smallint NOT NULL DEFAULT '0',
        "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_c18d760fa2eb40d0d44c76c6368" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`
      CREATE UNIQUE INDEX "IDX_7d69bb755257d3026ed49458b7" ON "sms_unroutable_messages" ("provider", "provider_message_id")
    `);
    await queryRunner.query(`
      ALTER TABLE "sms_settings"
        ADD "reply_window_days" integer NOT NULL DEFAULT '7',
        ADD "unmatched_replies" text NOT NULL DEFAULT 'new_ticket',
        ADD "delete_provider_media" boolean NOT NULL DEFAULT false
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "sms_settings" DROP COLUMN "delete_provider_media", DROP COLUMN "unmatched_replies", DROP COLUMN "reply_window_days"
    `);
    await queryRunner.query(`DROP INDEX "public"."IDX_7d69bb755257d3026ed49458b7"`);
    await queryRunner.query(`DROP TABLE "sms_unroutable_messages"`);
    await queryRunner.query(`DROP TABLE "sms_opt_outs"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_bdd10775e1be3fcd48e7898b85"`);
    await queryRunner.query(`DROP TABLE "sms_media"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_a191a6b7d8560019fbe3564014"`);
    await queryRunner.query(`DROP TABLE "sms_conversations"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_b36fff886ae27a96ca0044a529"`);
    await queryRunner.query(`
      ALTER TABLE "sms_messages"
        DROP COLUMN "inbound_media", DROP COLUMN "match_guess", DROP COLUMN "match_rule", DROP COLUMN "customer_id", DROP COLUMN "conversation_id"
    `);
  }
}
