/**
 * For tests that pass TracingOptions.exporter: the SDK's own in-memory exporter, without a dependency of their
 * own. A separate entry (`@byot/telemetry/testing`) so that the production entry carries no test double.
 */
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
