import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Plain inbound texts stored together are landed by one job, not a job each; each row names that job so the outbox
 * sweep can tell a text waiting in a batch from one whose job was lost. Existing rows get null: their jobs, if any,
 * carry the row id, which the sweep still asks.
 *
 * A text lands after its sender's earlier texts to the same number: the landing looks for those still `received`
 * through a partial index that holds only such texts, so it stays small whatever the table's size.
 */
export class InboundBatchJobs1795644000000 implements MigrationInterface {
  name = 'InboundBatchJobs1795644000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Nullable with no default: PostgreSQL adds the column without rewriting the table.
    await queryRunner.query(`ALTER TABLE "sms_messages" ADD "inbound_job_id" text`);
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_messages_inbound_received" ON "sms_messages" ("account_id", "from_number", "to_number", "created_at") WHERE direction = 'inbound' AND status = 'received'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_sms_messages_inbound_received"`);
    await queryRunner.query(`ALTER TABLE "sms_messages" DROP COLUMN "inbound_job_id"`);
  }
}
