import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A comment is stamped when it is written, not when its transaction began. A customer's texts land in order under
 * their texts lock, but a transaction that waited for that lock began before the one it waited for: stamped with
 * now(), a later text's comment could sort before the earlier one's.
 */
export class CommentsStampedWhenWritten1796300000100 implements MigrationInterface {
  name = 'CommentsStampedWhenWritten1796300000100';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE comments ALTER COLUMN created_at SET DEFAULT clock_timestamp()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE comments ALTER COLUMN created_at SET DEFAULT now()`);
  }
}
