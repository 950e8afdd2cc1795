import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Plain inbound texts stored together are landed by one job, not a job each; each row names that job so the outbox
 * sweep can tell a text waiting in a batch from one whose job was lost. Existing rows get null: their jobs, if any,
 * carry the row id, which the sweep still asks.
 */
export class InboundBatchJobs1795644000000 implements MigrationInterface {
  name = 'InboundBatchJobs1795644000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Nullable with no default: PostgreSQL adds the column without rewriting the table.
    await queryRunner.query(`ALTER TABLE "sms_messages" ADD "inbound_job_id" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sms_messages" DROP COLUMN "inbound_job_id"`);
  }
}
