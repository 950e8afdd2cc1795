import { MigrationInterface, QueryRunner } from 'typeorm';

/** The web console's own tables: passwords, sessions and invites. */
export class ConsoleSchema1796000000200 implements MigrationInterface {
  name = 'ConsoleSchema1796000000200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A database made before the module had a schema of its own already holds these tables, as they are here.
    if (await queryRunner.hasTable('console_sessions')) return;
    for (const statement of CREATE_SCHEMA) await queryRunner.query(statement);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['console_invites', 'console_sessions', 'console_passwords']) {
      await queryRunner.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
    }
  }
}

const CREATE_SCHEMA = [
  `CREATE TABLE console_invites (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    token_hash text NOT NULL,
    user_id uuid NOT NULL,
    account_id uuid NOT NULL,
    created_by_user_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone
  )`,
  `CREATE TABLE console_passwords (
    user_id uuid NOT NULL,
    account_id uuid NOT NULL,
    password_hash text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE console_sessions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    token_hash text NOT NULL,
    user_id uuid NOT NULL,
    account_id uuid NOT NULL,
    csrf_token text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL
  )`,
  `ALTER TABLE console_invites ADD CONSTRAINT console_invites_pkey PRIMARY KEY (id)`,
  `ALTER TABLE console_passwords ADD CONSTRAINT console_passwords_pkey PRIMARY KEY (user_id)`,
  `ALTER TABLE console_sessions ADD CONSTRAINT console_sessions_pkey PRIMARY KEY (id)`,
  `CREATE INDEX "IDX_console_sessions_user" ON console_sessions USING btree (user_id)`,
  `CREATE UNIQUE INDEX "UQ_console_invites_token_hash" ON console_invites USING btree (token_hash)`,
  `CREATE UNIQUE INDEX "UQ_console_sessions_token_hash" ON console_sessions USING btree (token_hash)`,
  `ALTER TABLE console_invites ADD CONSTRAINT console_invites_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`,
  `ALTER TABLE console_passwords ADD CONSTRAINT console_passwords_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`,
  `ALTER TABLE console_sessions ADD CONSTRAINT console_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`,
];
