/** The structured logger the orchestration writes to (Powertools' Logger fits). */
export interface WatchdogLog {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** A logger that drops everything (the default when none is given). */
export const SILENT_LOG: WatchdogLog = { debug() {}, info() {}, warn() {}, error() {} };
