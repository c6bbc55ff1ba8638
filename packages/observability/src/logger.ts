import { type Logger, type LoggerOptions, pino } from 'pino';
import { redact, scrubString } from './redaction.ts';

export type { Logger } from 'pino';

export interface LoggerSettings {
  service: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what would be logged. */
  destination?: NodeJS.WritableStream;
  /** Extra fields on every line (e.g. trace ids), computed per line. */
  mixin?: () => Record<string, unknown>;
}

/**
 * JSON lines with redaction enforced here, once: every logged object goes through `redact` and every message
 * string through `scrubString`, whatever the call site passes.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redact(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubString(arg) : arg)) as Parameters<
          typeof method
        >;
        method.apply(this, scrubbed);
      },
    },
    ...(settings.mixin ? { mixin: settings.mixin } : {}),
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
