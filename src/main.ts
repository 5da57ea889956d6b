import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp } from './bootstrap/configure-app.js';
import { validateServiceEnv, type ServiceEnv } from './config/service-env.js';

/** Starts the service on `HOST` (default 127.0.0.1) and `PORT` (default 3000). */
async function bootstrap(): Promise<void> {
  // The log format is needed before the app exists, so it is read here as well as by the app.
  const json = validateServiceEnv(process.env).EVENT_BUS_LOG_FORMAT === 'json';
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    logger: new ConsoleLogger({ json }),
  });
  configureApp(app);

  const config = app.get<ConfigService<ServiceEnv, true>>(ConfigService);
  await app.listen(config.get('PORT', { infer: true }), config.get('HOST', { infer: true }));
  Logger.log(`Listening on ${await app.getUrl()}`, 'Bootstrap');
}

await bootstrap();
