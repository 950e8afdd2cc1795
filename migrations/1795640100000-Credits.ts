import { MigrationInterface, QueryRunner } from 'typeorm';

/** Credit ledger and balances, split-mode and smart-encoding settings, and the indexes held rows and split parts need. */
export class Credits1795640100000 implements MigrationInterface {
  name = 'Credits1795640100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "sms_credit_balances" (
        "account_id" uuid NOT NULL,
        "monthly_allowance" integer NOT NULL DEFAULT '200',
        "monthly_period" text,
        "monthly_remaining" integer NOT NULL DEFAULT '0',
        "addon_remaining" integer NOT NULL DEFAULT '0',
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_sms_credit_balances_allowance" CHECK ("monthly_allowance" >= 0),
        CONSTRAINT "CHK_sms_credit_balances_addon" CHECK ("addon_remaining" >= 0),
        CONSTRAINT "CHK_sms_credit_balances_monthly" CHECK ("monthly_remaining" >= 0),
        CONSTRAINT "PK_1f5adf65e7dbe6c64bc9bef9e71" PRIMARY KEY ("account_id")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "sms_credit_entries" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "seq" BIGSERIAL NOT NULL,
        "account_id" uuid NOT NULL,
        "kind" text NOT NULL,
        "bucket" text NOT NULL,
        "amount" integer NOT NULL,
        "period" text NOT NULL,
        "message_id" uuid,
        "user_id" uuid,
        "idempotency_key" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "UQ_08a9ad667d9edd6221cd41fbfba" UNIQUE ("idempotency_key"),
        CONSTRAINT "CHK_sms_credit_entries_amount" CHECK ("amount" <> 0),
        CONSTRAINT "PK_85743738e6b1fe07ae83677a9cc" PRIMARY KEY ("id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_ccd0c09317c4d713b56f42fa39" ON "sms_credit_entries" ("account_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_36aa54c2e4fced66d9f52d8fdc" ON "sms_credit_entries" ("message_id") WHERE message_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_c0d3b0dfb36cbaf879e7ff099d" ON "sms_credit_entries" ("account_id", "seq")`);
    // The ledger is append-only: a correction is a new entry, never an edit.
    await queryRunner.query(`
      CREATE FUNCTION "sms_credit_entries_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'sms_credit_entries is append-only';
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER "sms_credit_entries_append_only" BEFORE UPDATE OR DELETE ON "sms_credit_entries"
      FOR EACH ROW EXECUTE FUNCTION "sms_credit_entries_append_only"()
    `);

    await queryRunner.query(`ALTER TABLE "sms_settings" ADD "smart_encoding" boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`ALTER TABLE "sms_settings" ADD "split_mode" text NOT NULL DEFAULT 'split'`);
    await queryRunner.query(
      `ALTER TABLE "sms_settings" ADD CONSTRAINT "CHK_sms_settings_split_mode" CHECK ("split_mode" IN ('split', 'concatenate'))`,
    );

    await queryRunner.query(`CREATE INDEX "IDX_bd594ab02227da3942c2abe92f" ON "sms_messages" ("send_id", "part_index")`);
    await queryRunner.query(
      `CREATE INDEX "IDX_9223359b6851515dc389428d50" ON "sms_messages" ("account_id", "status", "created_at") WHERE status = 'held_no_credit'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_9223359b6851515dc389428d50"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_bd594ab02227da3942c2abe92f"`);
    await queryRunner.query(`ALTER TABLE "sms_settings" DROP CONSTRAINT "CHK_sms_settings_split_mode"`);
    await queryRunner.query(`ALTER TABLE "sms_settings" DROP COLUMN "split_mode"`);
    await queryRunner.query(`ALTER TABLE "sms_settings" DROP COLUMN "smart_encoding"`);
    await queryRunner.query(`DROP TRIGGER "sms_credit_entries_append_only" ON "sms_credit_entries"`);
    await queryRunner.query(`DROP FUNCTION "sms_credit_entries_append_only"()`);
    await queryRunner.query(`DROP INDEX "public"."IDX_c0d3b0dfb36cbaf879e7ff099d"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_36aa54c2e4fced66d9f52d8fdc"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_ccd0c09317c4d713b56f42fa39"`);
    await queryRunner.query(`DROP TABLE "sms_credit_entries"`);
    await queryRunner.query(`DROP TABLE "sms_credit_balances"`);
  }
}
