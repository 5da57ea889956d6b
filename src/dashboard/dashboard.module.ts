import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';

/** The live dashboard page at `GET /`, which watches every channel through `/events/stream`. */
@Module({
  controllers: [DashboardController],
})
export class DashboardModule {}
