import { MigrationInterface, QueryRunner } from 'typeorm';

/** When each person last read each inbox thread: a thread with a text since then is unread for them. */
export class ConsoleThreadReads1796200000200 implements MigrationInterface {
  name = 'ConsoleThreadReads1796200000200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE IF NOT EXISTS console_thread_reads (
      user_id uuid NOT NULL,
      conversation_id uuid NOT NULL,
      account_id uuid NOT NULL,
      read_at timestamp with time zone NOT NULL,
      PRIMARY KEY (user_id, conversation_id)
    )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS console_thread_reads`);
  }
}
