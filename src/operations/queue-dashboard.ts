import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Environment } from '../config/app-config';
import { SmsQueue } from '../sms';
import { operatorsOnly } from './operator-access';

export const QUEUE_DASHBOARD_PATH = '/queues';

/**
 * bull-board over every queue of the SMS module, at /queues, for operators only (the platform token). Retrying or
 * removing a job is safe: a send job re-reads its row and sends at most once, and the outbox sweep rebuilds lost jobs.
 */
export function mountQueueDashboard(app: INestApplication, env: Environment): void {
  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(SmsQueue).map(
      (name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name), { strict: false })),
    ),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'ticket-sms queues' } },
  });
  app.use(QUEUE_DASHBOARD_PATH, operatorsOnly(env.PLATFORM_TOKEN), board.getRouter());
}
