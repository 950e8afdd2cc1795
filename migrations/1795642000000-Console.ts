import { MigrationInterface, QueryRunner } from 'typeorm';

/** The web console (issue 8): password hashes, browser sessions, invite links and failed sign-ins. */
export class Console1795642000000 implements MigrationInterface {
  name = 'Console1795642000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Beside users rather than on it: a user without a password simply has no row (API token only).
    await queryRunner.query(`
            CREATE TABLE "console_passwords" (
                "user_id" uuid PRIMARY KEY REFERENCES "users" ("id") ON DELETE CASCADE,
                "account_id" uuid NOT NULL,
                "password_hash" text NOT NULL,
                "updated_at" timestamptz NOT NULL DEFAULT now()
            )
        `);
    // The cookie carries a random token; only its SHA-256 is stored, with the session's CSRF synchronizer token.
    await queryRunner.query(`
            CREATE TABLE "console_sessions" (
                "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                "token_hash" text NOT NULL,
                "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
                "account_id" uuid NOT NULL,
                "csrf_token" text NOT NULL,
                "created_at" timestamptz NOT NULL DEFAULT now(),
                "last_seen_at" timestamptz NOT NULL DEFAULT now(),
                "expires_at" timestamptz NOT NULL
            )
        `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_console_sessions_token_hash" ON "console_sessions" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "IDX_console_sessions_user" ON "console_sessions" ("user_id")`);
    await queryRunner.query(`
            CREATE TABLE "console_invites" (
                "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                "token_hash" text NOT NULL,
                "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
                "account_id" uuid NOT NULL,
                "created_by_user_id" uuid,
                "created_at" timestamptz NOT NULL DEFAULT now(),
                "expires_at" timestamptz NOT NULL,
                "used_at" timestamptz
            )
        `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_console_invites_token_hash" ON "console_invites" ("token_hash")`);
    // Counted per email and client address over a sliding window; rows older than the window are deleted on the way.
    await queryRunner.query(`
            CREATE TABLE "console_sign_in_failures" (
                "id" bigserial PRIMARY KEY,
                "email" text NOT NULL,
                "ip" text NOT NULL,
                "failed_at" timestamptz NOT NULL
            )
        `);
    await queryRunner.query(`CREATE INDEX "IDX_console_sign_in_failures_email_ip" ON "console_sign_in_failures" ("email", "ip", "failed_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "console_sign_in_failures"`);
    await queryRunner.query(`DROP TABLE "console_invites"`);
    await queryRunner.query(`DROP TABLE "console_sessions"`);
    await queryRunner.query(`DROP TABLE "console_passwords"`);
  }
}
