/** The logging seam of the health layer: the subset of pino it uses. */

/** HealthLogger is what the health layer logs through; a pino logger fits. */
export interface HealthLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** silentLogger drops every line (tests and benches that do not care). */
export const silentLogger: HealthLogger = {
  info() {},
  warn() {},
};
