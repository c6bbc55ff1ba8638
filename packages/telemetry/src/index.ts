// For tests that pass TracingOptions.exporter: the SDK's own in-memory exporter, without a dependency of their own.
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
export * from './context.ts';
export * from './metrics.ts';
export { cleanAttribute, RedactingSpanProcessor, redactedSpan, withoutQuery } from './redaction.ts';
export { queuePollIntervalMs, samplerFromEnv } from './settings.ts';
export * from './tracing.ts';
