// Sends the Temporal SDK's own logs (worker lifecycle, bundler, activity failures) through pino, at
// warning level and above unless JML_LOG_LEVEL asks for more.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../common/logger';

const SDK_LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'WARN',
  warn: 'WARN',
  error: 'ERROR',
};

export function installTemporalLogger(logger: Logger): void {
  const level = SDK_LEVELS[logger.level] ?? 'WARN';
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: entryLevel, message, meta }) => {
      const method = entryLevel.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
      logger[method]({ sdk: meta }, message);
    }),
  });
}
