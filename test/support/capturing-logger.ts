import type { LoggerService, LogLevel } from '@nestjs/common';

/** One call to the logger. */
export interface LogEntry {
  level: LogLevel;
  message: unknown;
  /** The remaining arguments: a stack for errors, then the context. */
  params: unknown[];
}

/** A Nest logger that keeps every entry in memory instead of printing it. */
export class CapturingLogger implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, ...params: unknown[]): void {
    this.entries.push({ level: 'log', message, params });
  }

  error(message: unknown, ...params: unknown[]): void {
    this.entries.push({ level: 'error', message, params });
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.entries.push({ level: 'warn', message, params });
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.entries.push({ level: 'debug', message, params });
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.entries.push({ level: 'verbose', message, params });
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.entries.push({ level: 'fatal', message, params });
  }

  /** Entries of one level. */
  atLevel(level: LogLevel): LogEntry[] {
    return this.entries.filter((entry) => entry.level === level);
  }
}
