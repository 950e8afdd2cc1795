import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a text was written with `sendNow` (an admin's, or a technician's an admin allowed): it skips business hours,
 * also when it waited for credits and is released while the account is closed. Every other text released while closed
 * waits for the next opening, as one written at that moment would.
 *
 * Existing rows get false: nothing recorded whether they were written with `sendNow`, and guessing it from the hours in
 * force now (a held row written while closed without a `send_at`) is unreliable once hours changed. So a text already
 * waiting for credits goes at the next opening if credits arrive at night: a text forced out at night that then waited
 * for credits is late already, and what customers complain about is a text at midnight. After-hours replies need no
 * flag: they answer a text that came in while closed and are exempt by their kind (`after_hours`), old and new alike.
 */
export class SendNow1795643000000 implements MigrationInterface {
  name = 'SendNow1795643000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A constant default: PostgreSQL adds the column without rewriting the table.
    await queryRunner.query(`ALTER TABLE "sms_messages" ADD "send_now" boolean NOT NULL DEFAULT false`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sms_messages" DROP COLUMN "send_now"`);
  }
}
