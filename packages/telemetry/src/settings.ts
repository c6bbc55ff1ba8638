import { getBooleanFromEnv, getNumberFromEnv, getStringFromEnv } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';

/** Where traces go, as the standard OTEL_* variables say. Exporting happens only when an endpoint is set. */
export interface TraceSettings {
  /** False when OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none, or no OTLP endpoint is set. */
  export: boolean;
  serviceName: string | undefined;
  sampler: Sampler;
}

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/**
 * OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG as the specification defines them (the 3.x SDK no longer reads
 * them itself). Default parentbased_always_on: every hook is traced, and a trace started upstream keeps its
 * caller's decision. An unknown name is an error, not a silent default.
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv = process.env): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  const rawRatio = env.OTEL_TRACES_SAMPLER_ARG;
  const ratio = rawRatio === undefined || rawRatio.trim() === '' ? 1 : Number(rawRatio);
  if (!(SAMPLERS as readonly string[]).includes(name)) {
    throw new Error(`OTEL_TRACES_SAMPLER: must be one of ${SAMPLERS.join(', ')} (got "${name}")`);
  }
  if (name.endsWith('traceidratio') && !(ratio >= 0 && ratio <= 1)) {
    throw new Error(`OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1 (got "${rawRatio}")`);
  }
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** Reads the process environment (core's helpers read process.env, so tests set it there). */
export function traceSettingsFromEnv(): TraceSettings {
  const disabled = getBooleanFromEnv('OTEL_SDK_DISABLED');
  const exporters = (getStringFromEnv('OTEL_TRACES_EXPORTER') ?? 'otlp').split(',').map((s) => s.trim());
  const endpoint =
    getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT');
  return {
    export: !disabled && !exporters.includes('none') && endpoint !== undefined,
    serviceName: getStringFromEnv('OTEL_SERVICE_NAME'),
    sampler: samplerFromEnv(),
  };
}

/** How often hook-ingress reads queue depths for byot_queue_jobs (BYOT_QUEUE_METRICS_INTERVAL_MS, default 5 s). */
export function queuePollIntervalMs(): number {
  const value = getNumberFromEnv('BYOT_QUEUE_METRICS_INTERVAL_MS') ?? 5_000;
  return Math.min(Math.max(value, 250), 60_000);
}
