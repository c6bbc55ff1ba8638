export * from './context.ts';
export * from './metrics.ts';
export { cleanAttribute, RedactingSpanProcessor, redactedSpan, withoutQuery } from './redaction.ts';
export { queuePollIntervalMs, samplerFromEnv } from './settings.ts';
export * from './tracing.ts';
