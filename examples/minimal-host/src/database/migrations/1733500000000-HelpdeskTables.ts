import { MigrationInterface, QueryRunner } from 'typeorm';

export class HelpdeskTables1733500000000 implements MigrationInterface {
  name = 'HelpdeskTables1733500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE accounts (
        id serial PRIMARY KEY,
        name text NOT NULL,
        country text NOT NULL,
        timezone text NOT NULL,
        "lastTicketNumber" integer NOT NULL DEFAULT 0,
        "createdAt" timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE agents (
        id serial PRIMARY KEY,
        "accountId" integer NOT NULL REFERENCES accounts (id),
        name text NOT NULL,
        email text NOT NULL,
        "apiKeyHash" text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('owner', 'agent'))
      )`);
    await db.query(`CREATE UNIQUE INDEX agents_email ON agents ("accountId", lower(email))`);
    await db.query(`
      CREATE TABLE customers (
        id serial PRIMARY KEY,
        "accountId" integer NOT NULL REFERENCES accounts (id),
        name text NOT NULL,
        mobile text,
        "smsOptIn" boolean NOT NULL DEFAULT true
      )`);
    await db.query(`CREATE INDEX customers_mobile ON customers ("accountId", mobile)`);
    await db.query(`
      CREATE TABLE tickets (
        id serial PRIMARY KEY,
        "accountId" integer NOT NULL REFERENCES accounts (id),
        number integer NOT NULL,
        "customerId" integer NOT NULL REFERENCES customers (id),
        subject text NOT NULL,
        description text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'customer_replied', 'closed')),
        "updatedAt" timestamptz NOT NULL DEFAULT now(),
        UNIQUE ("accountId", number)
      )`);
    await db.query(`CREATE INDEX tickets_customer ON tickets ("accountId", "customerId", "updatedAt")`);
    await db.query(`
      CREATE TABLE comments (
        id serial PRIMARY KEY,
        "ticketId" integer NOT NULL REFERENCES tickets (id),
        "accountId" integer NOT NULL REFERENCES accounts (id),
        "authorKind" text NOT NULL CHECK ("authorKind" IN ('agent', 'customer', 'system')),
        "agentId" integer REFERENCES agents (id),
        body text NOT NULL,
        "isPublic" boolean NOT NULL,
        "createdAt" timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX comments_ticket ON comments ("ticketId")`);
    await db.query(`
      CREATE TABLE attachments (
        id serial PRIMARY KEY,
        "commentId" integer NOT NULL REFERENCES comments (id),
        "fileName" text NOT NULL,
        "storageKey" text NOT NULL,
        "thumbnailKey" text,
        "contentType" text NOT NULL,
        size integer NOT NULL,
        "isPublic" boolean NOT NULL
      )`);
    await db.query(`CREATE INDEX attachments_comment ON attachments ("commentId")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE attachments, comments, tickets, customers, agents, accounts');
  }
}
