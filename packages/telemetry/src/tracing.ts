import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type Sampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { byotInstrumentations } from './instrumentations.ts';
import { RedactingSpanProcessor } from './redaction.ts';
import { traceSettingsFromEnv } from './settings.ts';

export interface TracingOptions {
  /** service.name unless OTEL_SERVICE_NAME says otherwise ("hook-ingress"). */
  service: string;
  /**
   * Where spans go instead of OTLP (tests: an InMemorySpanExporter, exported span by span). Given an exporter,
   * tracing is on whatever the environment says, except OTEL_SDK_DISABLED=true.
   */
  exporter?: SpanExporter;
  /** Overrides OTEL_TRACES_SAMPLER (tests). */
  sampler?: Sampler;
  /**
   * The service's own `createRequire(import.meta.url)`. Express and ioredis are CommonJS packages that the
   * services import from ES modules, a path the require hooks of the instrumentations do not see; loading them
   * once through `require` right after the hooks are installed lets the instrumentations patch the shared module
   * objects that the later `import`s receive. Without it only Node's http and fetch are instrumented.
   */
  require?: NodeJS.Require;
}

export interface Tracing {
  /** False when tracing is off (no endpoint, OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none). */
  enabled: boolean;
  /** Exports what is buffered (shutdown and tests). */
  flush(): Promise<void>;
  /** Flushes and stops exporting; instrumentations stay patched but become no-ops. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, flush: async () => {}, shutdown: async () => {} };
/** Modules loaded through the service's require once the hooks are in (see TracingOptions.require). */
const PRELOAD = ['node:http', 'node:https', 'express', 'ioredis'];

let current: Tracing = OFF;

/**
 * Starts tracing for this process, once, before the modules it instruments are loaded: each service's
 * src/instrumentation.ts calls it, and main.ts imports that file first. Off (and free) unless an OTLP endpoint
 * is configured or an exporter is passed; OTEL_SDK_DISABLED=true always wins.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (current.enabled) return current;
  const settings = traceSettingsFromEnv();
  const disabled = process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  if (disabled || (!settings.export && !options.exporter)) return OFF;

  const exporter = options.exporter ?? new OTLPTraceExporter();
  const exporting = options.exporter
    ? new SimpleSpanProcessor({ exporter })
    : new BatchSpanProcessor({ exporter });
  const provider = new TracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': options.service }))
      .merge(detectResources({ detectors: [envDetector] })),
    sampler: options.sampler ?? settings.sampler,
    spanProcessors: [new RedactingSpanProcessor(exporting)],
  });

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({ instrumentations: byotInstrumentations(), tracerProvider: provider });
  for (const name of PRELOAD) {
    try {
      options.require?.(name);
    } catch {
      // The service does not use it (workers have no Express).
    }
  }

  current = {
    enabled: true,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown().catch(() => {});
    },
  };
  return current;
}

/** The tracing started in this process (a no-op if none): shutdown sequences flush through it. */
export function currentTracing(): Tracing {
  return current;
}
