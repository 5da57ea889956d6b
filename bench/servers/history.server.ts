import 'reflect-metadata';
import { Controller, Get, Inject, Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBusService, type HistoryPage } from '../../src/event-bus/index.js';
import { benchRootModule } from '../support/bench-app.js';
import { BENCH_CHANNEL, benchPayload } from '../support/bench-channels.js';
import { stopOnRequest } from '../support/child-server.js';
import { LOOPBACK } from '../support/loopback.js';

/** Messages published before serving, so every page of 50 is full. */
const PUBLISHED = 1000;

/** The page the reference controller returns, taken from the bus once at start. */
const REFERENCE_PAGE = Symbol('REFERENCE_PAGE');

/** The ready message of this server, sent once both apps listen. */
export interface HistoryServerReady {
  productUrl: string;
  referenceUrl: string;
}

/** The H1 reference: a bare Nest controller that returns the same 50 envelopes every time. */
@Controller('events')
class ReferenceHistoryController {
  constructor(@Inject(REFERENCE_PAGE) private readonly page: HistoryPage) {}

  @Get('history')
  history(): HistoryPage {
    return this.page;
  }
}

async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, LOOPBACK);
  return `${await app.getUrl()}/events/history?limit=50`;
}

/**
 * Serves the bus's `GET /events/history` (the product) and a bare controller with the same page
 * (the reference) on two loopback ports of this process, so the load generator runs elsewhere.
 */
async function main(): Promise<void> {
  Logger.overrideLogger(['error']);

  const product = await NestFactory.create(benchRootModule({ http: true }), { logger: ['error'] });
  const bus: EventBusService = product.get(EventBusService);
  for (let seq = 0; seq < PUBLISHED; seq++) {
    await bus.publish(BENCH_CHANNEL, benchPayload(seq));
  }
  const page = await bus.history({ limit: 50 });

  class ReferenceModule {}
  const reference = await NestFactory.create(
    {
      module: ReferenceModule,
      controllers: [ReferenceHistoryController],
      providers: [{ provide: REFERENCE_PAGE, useValue: page }],
    },
    { logger: ['error'] },
  );

  const ready: HistoryServerReady = {
    productUrl: await listen(product),
    referenceUrl: await listen(reference),
  };
  stopOnRequest(async () => {
    await product.close();
    await reference.close();
  });
  process.send!(ready);
}

await main();
