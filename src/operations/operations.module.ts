import { Module } from '@nestjs/common';
import { MetricsAccessGuard, MetricsController } from './metrics.controller';

/** What operators use: Prometheus metrics here; the queue dashboard is mounted by configureApp (bull-board is Express). */
@Module({
  controllers: [MetricsController],
  providers: [MetricsAccessGuard],
})
export class OperationsModule {}
