export type LogLevel = 'info' | 'warn' | 'error';
/** Values must be JSON-serialisable. Never pass message bodies, spoken text, tokens or full phone numbers. */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** One JSON object per line, the format the other services' log shippers expect. */
export function createJsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const log = (level: LogLevel, msg: string, fields?: LogFields): void => {
    write(
      `${JSON.stringify({ time: new Date().toISOString(), level, service: 'provider-sim', msg, ...fields })}\n`,
    );
  };
  return {
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  };
}

/** Default for createSimulator: tests and embedding callers should not get log noise unless they ask. */
export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
