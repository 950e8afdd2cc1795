import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reference helpdesk's tables: accounts, users, teams, customers and their phones, tickets, comments, attachments.
 * The SMS module's tables come from its own migrations; nothing here touches them.
 */
export class HelpdeskSchema1796000000100 implements MigrationInterface {
  name = 'HelpdeskSchema1796000000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A database made before the module had a schema of its own already holds these tables, as they are here.
    if (await queryRunner.hasTable('tickets')) return;
    for (const statement of CREATE_SCHEMA) await queryRunner.query(statement);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'attachments',
      'comments',
      'tickets',
      'customer_phones',
      'customers',
      'team_members',
      'teams',
      'users',
      'accounts',
    ]) {
      await queryRunner.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
    }
  }
}

const CREATE_SCHEMA = [
  `CREATE TABLE accounts (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    default_country character(2) DEFAULT 'US'::bpchar NOT NULL,
    timezone text DEFAULT 'America/New_York'::text NOT NULL,
    subscribed_at timestamp with time zone DEFAULT now() NOT NULL,
    next_ticket_number integer DEFAULT 1000 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE attachments (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id uuid NOT NULL,
    ticket_id uuid NOT NULL,
    comment_id uuid NOT NULL,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size integer NOT NULL,
    storage_key text NOT NULL,
    thumbnail_key text,
    thumbnail_content_type text,
    public boolean NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE comments (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id uuid NOT NULL,
    ticket_id uuid NOT NULL,
    author_type text NOT NULL,
    author_user_id uuid,
    author_customer_id uuid,
    body text NOT NULL,
    sms_body text,
    public boolean NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE customer_phones (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    number text NOT NULL,
    type text NOT NULL
  )`,
  `CREATE TABLE customers (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id uuid NOT NULL,
    name text NOT NULL,
    email text,
    sms_enabled boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE team_members (
    team_id uuid NOT NULL,
    user_id uuid NOT NULL,
    account_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE teams (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id uuid NOT NULL,
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE tickets (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id uuid NOT NULL,
    number integer NOT NULL,
    customer_id uuid NOT NULL,
    subject text NOT NULL,
    problem text NOT NULL,
    status text DEFAULT 'New'::text NOT NULL,
    portal_token text NOT NULL,
    created_by_user_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `CREATE TABLE users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    account_id uuid NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    role text NOT NULL,
    token_hash text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
  )`,
  `ALTER TABLE customers ADD CONSTRAINT "PK_133ec679a801fab5e070f73d3ea" PRIMARY KEY (id)`,
  `ALTER TABLE team_members ADD CONSTRAINT "PK_1d3c06a8217a8785e2af0ec4ab8" PRIMARY KEY (team_id, user_id)`,
  `ALTER TABLE tickets ADD CONSTRAINT "PK_343bc942ae261cf7a1377f48fd0" PRIMARY KEY (id)`,
  `ALTER TABLE accounts ADD CONSTRAINT "PK_5a7a02c20412299d198e097a8fe" PRIMARY KEY (id)`,
  `ALTER TABLE attachments ADD CONSTRAINT "PK_5e1f050bcff31e3084a1d662412" PRIMARY KEY (id)`,
  `ALTER TABLE teams ADD CONSTRAINT "PK_7e5523774a38b08a6236d322403" PRIMARY KEY (id)`,
  `ALTER TABLE comments ADD CONSTRAINT "PK_8bf68bc960f2b69e818bdb90dcb" PRIMARY KEY (id)`,
  `ALTER TABLE users ADD CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY (id)`,
  `ALTER TABLE customer_phones ADD CONSTRAINT "PK_a7739cfc26fc3c118a604475de2" PRIMARY KEY (id)`,
  `CREATE INDEX "IDX_005c2063eb198e303f0a5755b8" ON comments USING btree (ticket_id, created_at)`,
  `CREATE UNIQUE INDEX "IDX_0557c485b1365720c2cf6ce097" ON users USING btree (token_hash)`,
  `CREATE UNIQUE INDEX "IDX_6dc2b704fff892198098f571ae" ON tickets USING btree (portal_token)`,
  `CREATE INDEX "IDX_73d871f247ffebda5dc3f0df8a" ON attachments USING btree (ticket_id)`,
  `CREATE INDEX "IDX_7c1df5708c67d1d0ddd44627d9" ON tickets USING btree (account_id, customer_id, status)`,
  `CREATE UNIQUE INDEX "IDX_919750d79eca91b4c3dd870a34" ON tickets USING btree (account_id, number)`,
  `CREATE UNIQUE INDEX "IDX_a6132610e59f1890e60780d660" ON users USING btree (account_id, email)`,
  `CREATE INDEX "IDX_b4b436948b623e8e765bd1c097" ON attachments USING btree (comment_id)`,
  `CREATE INDEX "IDX_c2bf4967c8c2a6b845dadfbf3d" ON team_members USING btree (user_id)`,
  `CREATE INDEX "IDX_e0cc2414285d0852d8f10edb73" ON customers USING btree (account_id, created_at)`,
  `CREATE INDEX "IDX_e6051b502f082ef58d4ee671dc" ON customer_phones USING btree (account_id, number)`,
  `CREATE UNIQUE INDEX "IDX_fce5a80c8d37619fa6295222e7" ON teams USING btree (account_id, name)`,
  `ALTER TABLE customer_phones ADD CONSTRAINT "FK_935af5a47b047ccf230ca76a696" FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE`,
];
