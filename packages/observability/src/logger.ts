import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { redact, scrubString } from './redaction.ts';

export type { Logger } from 'pino';

export interface LoggerSettings {
  service: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what would be logged. */
  destination?: NodeJS.WritableStream;
  /** Extra fields on every line, computed per line (trace_id and span_id are always added inside a span). */
  mixin?: () => Record<string, unknown>;
}

/**
 * The active span's ids, so a log line can be found from its trace and the other way round. Read through the
 * OpenTelemetry API only: with tracing off there is no active span and nothing is added.
 */
export function traceFields(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
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
    mixin: settings.mixin ? () => ({ ...traceFields(), ...settings.mixin?.() }) : traceFields,
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
