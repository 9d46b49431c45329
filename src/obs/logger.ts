import { pino, type Logger } from 'pino';

/** LOG_LEVELS lists the accepted values of `logLevel` and `--log-level`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** LogLevel is one of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];
export type { Logger };

/**
 * createLogger returns a pino logger. Output is JSON lines (for machines and log
 * shippers) unless stdout is a terminal, or GRAPEVINE_LOG_PRETTY=1 is set (the
 * `cluster` command sets it for its children when it runs on a terminal); then it
 * goes through the pino-pretty transport so that people can read it.
 */
export function createLogger(level: LogLevel, bindings: Record<string, unknown> = {}): Logger {
  const pretty = process.env.GRAPEVINE_LOG_PRETTY === '1' || (process.env.GRAPEVINE_LOG_PRETTY !== '0' && process.stdout.isTTY === true);
  const opts = { level, base: { pid: process.pid, ...bindings } };
  if (!pretty) return pino(opts);
  return pino(
    opts,
    pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } }),
  );
}

/** silentLogger is a logger that drops everything, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
