/**
 * The service's real tracing bootstrap (instrumentations, redacting processor, propagator), exporting to memory.
 * A test file imports this FIRST, as main.ts imports instrumentation.ts: the HTTP, Express and ioredis
 * instrumentations must be in place before those modules are loaded (see @byot/telemetry tracing.ts).
 */
import { createRequire } from 'node:module';
import { startTracing } from '@byot/telemetry';
import { InMemorySpanExporter } from '@byot/telemetry/testing';

export const spanExporter = new InMemorySpanExporter();

export const tracing = startTracing({
  service: 'byot-test',
  exporter: spanExporter,
  require: createRequire(import.meta.url),
});
