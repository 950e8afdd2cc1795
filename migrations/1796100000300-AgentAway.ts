import { MigrationInterface, QueryRunner } from 'typeorm';

/** An agent may set themselves away: like missed or unresponsive, their direct numbers' texts also reach their teams. */
export class AgentAway1796100000300 implements MigrationInterface {
  name = 'AgentAway1796100000300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE sms_agent_availability DROP CONSTRAINT IF EXISTS "CHK_sms_agent_availability_status"`,
    );
    await queryRunner.query(
      `ALTER TABLE sms_agent_availability ADD CONSTRAINT "CHK_sms_agent_availability_status" CHECK (status IN ('available', 'missed', 'unresponsive', 'away'))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE sms_agent_availability SET status = 'available' WHERE status = 'away'`);
    await queryRunner.query(
      `ALTER TABLE sms_agent_availability DROP CONSTRAINT IF EXISTS "CHK_sms_agent_availability_status"`,
    );
    await queryRunner.query(
      `ALTER TABLE sms_agent_availability ADD CONSTRAINT "CHK_sms_agent_availability_status" CHECK (status IN ('available', 'missed', 'unresponsive'))`,
    );
  }
}
