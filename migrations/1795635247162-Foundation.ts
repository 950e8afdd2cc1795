import { MigrationInterface, QueryRunner } from "typeorm";

export class Foundation1795635247162 implements MigrationInterface {
    name = 'Foundation1795635247162'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "sms_templates" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "key" text NOT NULL,
                "body" text NOT NULL,
                "updated_by_user_id" uuid,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_940ef6d70e5e49587c1a2f3222d" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "IDX_72a0a3f81799b03f152965a861" ON "sms_templates" ("account_id", "key")
        `);
        await queryRunner.query(`
            CREATE TABLE "sms_settings" (
                "account_id" uuid NOT NULL,
                "enabled" boolean NOT NULL DEFAULT true,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_a070a297814536697396e4efe67" PRIMARY KEY ("account_id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "sms_sandbox_messages" (
                "sid" text NOT NULL,
                "account_id" uuid NOT NULL,
                "message_id" uuid NOT NULL,
                "to_number" text NOT NULL,
                "from_number" text NOT NULL,
                "body" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_812b1bb54ec344b4db9cb049472" PRIMARY KEY ("sid")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_c22be3f4017eaef353c4453c7a" ON "sms_sandbox_messages" ("account_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "sms_numbers" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "number" text NOT NULL,
                "label" text NOT NULL,
                "is_default" boolean NOT NULL DEFAULT false,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_d926da9e629d45864fab3315bb9" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "IDX_ae41a1274ed3e503dd2a79fbbf" ON "sms_numbers" ("number")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_5fc791df23bd5163c38beccfed" ON "sms_numbers" ("account_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "sms_messages" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "direction" text NOT NULL,
                "kind" text NOT NULL,
                "ticket_id" uuid,
                "comment_id" uuid,
                "send_id" uuid NOT NULL,
                "part_index" smallint NOT NULL DEFAULT '1',
                "part_count" smallint NOT NULL DEFAULT '1',
                "to_number" text,
                "from_number" text,
                "body" text NOT NULL,
                "encoding" text,
                "segments" smallint NOT NULL DEFAULT '0',
                "status" text NOT NULL,
                "provider" text,
                "provider_message_id" text,
                "error_code" text,
                "error_message" text,
                "credits" integer NOT NULL DEFAULT '0',
                "send_at" TIMESTAMP WITH TIME ZONE,
                "submitted_at" TIMESTAMP WITH TIME ZONE,
                "attempts" integer NOT NULL DEFAULT '0',
                "created_by_user_id" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_6d4cfef86e93e3fde23954d11bc" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "IDX_ad5ec97cf3968759cd86e2fade" ON "sms_messages" ("provider", "provider_message_id")
            WHERE provider_message_id IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_453c264fa58b23e442dbd19e96" ON "sms_messages" ("status", "updated_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_36250e77899debbf7de66d7114" ON "sms_messages" ("account_id", "ticket_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "users" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "name" text NOT NULL,
                "email" text NOT NULL,
                "role" text NOT NULL,
                "token_hash" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "IDX_0557c485b1365720c2cf6ce097" ON "users" ("token_hash")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "IDX_a6132610e59f1890e60780d660" ON "users" ("account_id", "email")
        `);
        await queryRunner.query(`
            CREATE TABLE "tickets" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "number" integer NOT NULL,
                "customer_id" uuid NOT NULL,
                "subject" text NOT NULL,
                "problem" text NOT NULL,
                "status" text NOT NULL DEFAULT 'New',
                "portal_token" text NOT NULL,
                "created_by_user_id" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_343bc942ae261cf7a1377f48fd0" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "IDX_6dc2b704fff892198098f571ae" ON "tickets" ("portal_token")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_7c1df5708c67d1d0ddd44627d9" ON "tickets" ("account_id", "customer_id", "status")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "IDX_919750d79eca91b4c3dd870a34" ON "tickets" ("account_id", "number")
        `);
        await queryRunner.query(`
            CREATE TABLE "comments" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "ticket_id" uuid NOT NULL,
                "author_type" text NOT NULL,
                "author_user_id" uuid,
                "author_customer_id" uuid,
                "body" text NOT NULL,
                "sms_body" text,
                "public" boolean NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_8bf68bc960f2b69e818bdb90dcb" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_005c2063eb198e303f0a5755b8" ON "comments" ("ticket_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "attachments" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "ticket_id" uuid NOT NULL,
                "comment_id" uuid NOT NULL,
                "file_name" text NOT NULL,
                "content_type" text NOT NULL,
                "size" integer NOT NULL,
                "storage_key" text NOT NULL,
                "thumbnail_key" text,
                "thumbnail_content_type" text,
                "public" boolean NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_5e1f050bcff31e3084a1d662412" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_73d871f247ffebda5dc3f0df8a" ON "attachments" ("ticket_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_b4b436948b623e8e765bd1c097" ON "attachments" ("comment_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "teams" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "name" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_7e5523774a38b08a6236d322403" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "IDX_fce5a80c8d37619fa6295222e7" ON "teams" ("account_id", "name")
        `);
        await queryRunner.query(`
            CREATE TABLE "team_members" (
                "team_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "account_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_1d3c06a8217a8785e2af0ec4ab8" PRIMARY KEY ("team_id", "user_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_c2bf4967c8c2a6b845dadfbf3d" ON "team_members" ("user_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "customer_phones" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "customer_id" uuid NOT NULL,
                "number" text NOT NULL,
                "type" text NOT NULL,
                CONSTRAINT "PK_a7739cfc26fc3c118a604475de2" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_e6051b502f082ef58d4ee671dc" ON "customer_phones" ("account_id", "number")
        `);
        await queryRunner.query(`
            CREATE TABLE "customers" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "account_id" uuid NOT NULL,
                "name" text NOT NULL,
                "email" text,
                "sms_enabled" boolean NOT NULL DEFAULT true,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_133ec679a801fab5e070f73d3ea" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_e0cc2414285d0852d8f10edb73" ON "customers" ("account_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "accounts" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "default_country" character(2) NOT NULL DEFAULT 'US',
                "timezone" text NOT NULL DEFAULT 'America/New_York',
                "subscribed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "next_ticket_number" integer NOT NULL DEFAULT '1000',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_5a7a02c20412299d198e097a8fe" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "customer_phones"
            ADD CONSTRAINT "FK_935af5a47b047ccf230ca76a696" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "customer_phones" DROP CONSTRAINT "FK_935af5a47b047ccf230ca76a696"
        `);
        await queryRunner.query(`
            DROP TABLE "accounts"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_e0cc2414285d0852d8f10edb73"
        `);
        await queryRunner.query(`
            DROP TABLE "customers"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_e6051b502f082ef58d4ee671dc"
        `);
        await queryRunner.query(`
            DROP TABLE "customer_phones"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_c2bf4967c8c2a6b845dadfbf3d"
        `);
        await queryRunner.query(`
            DROP TABLE "team_members"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_fce5a80c8d37619fa6295222e7"
        `);
        await queryRunner.query(`
            DROP TABLE "teams"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_b4b436948b623e8e765bd1c097"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_73d871f247ffebda5dc3f0df8a"
        `);
        await queryRunner.query(`
            DROP TABLE "attachments"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_005c2063eb198e303f0a5755b8"
        `);
        await queryRunner.query(`
            DROP TABLE "comments"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_919750d79eca91b4c3dd870a34"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_7c1df5708c67d1d0ddd44627d9"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_6dc2b704fff892198098f571ae"
        `);
        await queryRunner.query(`
            DROP TABLE "tickets"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_a6132610e59f1890e60780d660"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_0557c485b1365720c2cf6ce097"
        `);
        await queryRunner.query(`
            DROP TABLE "users"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_36250e77899debbf7de66d7114"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_453c264fa58b23e442dbd19e96"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_ad5ec97cf3968759cd86e2fade"
        `);
        await queryRunner.query(`
            DROP TABLE "sms_messages"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_5fc791df23bd5163c38beccfed"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_ae41a1274ed3e503dd2a79fbbf"
        `);
        await queryRunner.query(`
            DROP TABLE "sms_numbers"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_c22be3f4017eaef353c4453c7a"
        `);
        await queryRunner.query(`
            DROP TABLE "sms_sandbox_messages"
        `);
        await queryRunner.query(`
            DROP TABLE "sms_settings"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_72a0a3f81799b03f152965a861"
        `);
        await queryRunner.query(`
            DROP TABLE "sms_templates"
        `);
    }

}
