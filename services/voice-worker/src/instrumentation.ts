/**
 * Imported first by main.ts (a side-effect import, which import sorting leaves in place): tracing must be set
 * up before Express, ioredis and the provider SDKs are loaded. Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or the
 * traces-specific variable) is set; OTEL_SDK_DISABLED=true turns it off whatever else is set. See ADR 0008.
 */
import { createRequire } from 'node:module';
import { startTracing } from '@byot/telemetry';

startTracing({ service: 'voice-worker', require: createRequire(import.meta.url) });
