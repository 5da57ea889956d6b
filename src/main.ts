import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { AppModule } from './app.module.js';

const DEFAULT_PORT = 3000;

/** Starts the service on 127.0.0.1 and the port in `PORT` (default 3000). */
async function bootstrap(): Promise<void> {
  const port = parsePort(process.env.PORT);
  const host = process.env.HOST ?? '127.0.0.1';

  const app = await NestFactory.create(AppModule);
  app.useWebSocketAdapter(new WsAdapter(app));
  app.enableShutdownHooks();
  await app.listen(port, host);
  Logger.log(`Listening on http://${host}:${port}`, 'Bootstrap');
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') {
    return DEFAULT_PORT;
  }
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Invalid PORT=${JSON.stringify(value)}; allowed: an integer from 0 to 65535.`,
    );
  }
  return port;
}

await bootstrap();
