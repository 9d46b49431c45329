/**
 * Logging for the transport. A hostile or broken peer can send bad frames as fast
 * as it likes, so warnings are rate-limited per kind: every refusal is still
 * counted, but the log gets at most a few lines per kind per window plus a
 * "suppressed N" summary.
 */

/** TransportLogger is the subset of a pino logger the transport uses. */
export interface TransportLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** SILENT_LOGGER discards everything. */
export const SILENT_LOGGER: TransportLogger = { debug() {}, info() {}, warn() {} };

/** LOG_WINDOW_MS is the window over which log lines of one kind are counted. */
export const LOG_WINDOW_MS = 10_000;
/** LOG_LINES_PER_WINDOW is how many lines of one kind go to the log per window. */
export const LOG_LINES_PER_WINDOW = 10;
const MAX_KINDS = 1_000;

/** LogLimiter forwards at most LOG_LINES_PER_WINDOW lines per kind per window. */
export class LogLimiter {
  private readonly windows = new Map<string, { startMs: number; lines: number; suppressed: number }>();

  constructor(
    private readonly logger: TransportLogger,
    /** nowMs is the clock the windows are measured with (the transport's Clock seam). */
    private readonly nowMs: () => number,
  ) {}

  /** warn logs a warning of the given kind unless that kind is over its budget. */
  warn(kind: string, obj: object, msg: string): void {
    if (this.allow(kind, obj)) this.logger.warn(obj, msg);
  }

  /** debug logs at debug level, with the same limit. */
  debug(kind: string, obj: object, msg: string): void {
    if (this.allow(kind, obj)) this.logger.debug(obj, msg);
  }

  private allow(kind: string, obj: object): boolean {
    const now = this.nowMs();
    let w = this.windows.get(kind);
    if (!w || now - w.startMs > LOG_WINDOW_MS) {
      if (w && w.suppressed > 0) this.logger.warn({ ...obj, kind, suppressed: w.suppressed }, 'gossip log lines suppressed');
      if (this.windows.size >= MAX_KINDS) this.windows.clear();
      w = { startMs: now, lines: 0, suppressed: 0 };
      this.windows.set(kind, w);
    }
    if (w.lines >= LOG_LINES_PER_WINDOW) {
      w.suppressed++;
      return false;
    }
    w.lines++;
    return true;
  }
}
