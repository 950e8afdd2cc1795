import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sweep for lost jobs reads outbound texts still `pending` or `submitting` and inbound texts still `received`, by
 * how long they have waited. Its index held every text ever written and took a new entry at each change of status; it
 * now holds only the texts in flight, so it stays the size of the outbox and a text that is sent or landed adds nothing
 * to it. Building it reads the table once, with writes to `sms_messages` waiting meanwhile.
 */
export class SweepIndexInFlight1796300000200 implements MigrationInterface {
  name = 'SweepIndexInFlight1796300000200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_453c264fa58b23e442dbd19e96"`);
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_messages_in_flight" ON "sms_messages" ("status", "updated_at") WHERE status IN ('pending', 'submitting', 'received')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_sms_messages_in_flight"`);
    await queryRunner.query(`CREATE INDEX "IDX_453c264fa58b23e442dbd19e96" ON "sms_messages" ("status", "updated_at")`);
  }
}
