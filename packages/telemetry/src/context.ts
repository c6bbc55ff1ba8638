import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/** W3C trace context as a job or record carries it: {traceparent, tracestate?}. */
export type TraceCarrier = Record<string, string>;

const tracer = () => trace.getTracer('byot');

/**
 * Names the active HTTP server span after the route it served ("POST /v1/okta/telephony", attribute http.route),
 * as Express's instrumentation does for the routes Express serves: for a route served before Express. No-op
 * outside a traced request (tracing off).
 */
export function setServerRoute(route: string): void {
  const rpc = getRPCMetadata(context.active());
  if (rpc?.type === RPCType.HTTP) rpc.route = route;
}

/** The active trace context, to store with a job or record; undefined outside a trace (tracing off). */
export function traceCarrier(ctx: Context = context.active()): TraceCarrier | undefined {
  // Unsampled traces are carried too, so that the worker keeps the hook's sampling decision.
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** A context whose parent is the carried span (or the root, when nothing was carried). */
export function contextFrom(carrier: TraceCarrier | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

/** A link to the carried span, for work that follows up on it later in a trace of its own (a status callback). */
export function linkTo(carrier: TraceCarrier | undefined, attributes?: Attributes): Link[] {
  const spanContext = carrier ? trace.getSpanContext(contextFrom(carrier)) : undefined;
  return spanContext ? [{ context: spanContext, ...(attributes ? { attributes } : {}) }] : [];
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent taken from a carrier instead of the active context (a queued job's hook). */
  parent?: TraceCarrier | undefined;
  links?: Link[];
  /** Errors that end the span without marking it failed (BullMQ's DelayedError: a rescheduled job). */
  isExpected?: (error: unknown) => boolean;
}

/**
 * Runs `fn` in a new active span and ends it when `fn` settles. A thrown error is recorded by name and kind
 * only: messages can quote what a provider refused, so they stay in the (redacting) logs.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = 'parent' in options ? contextFrom(options.parent) : context.active();
  return tracer().startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links?.length ? { links: options.links } : {}),
    },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        if (!options.isExpected?.(error)) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(error) });
          span.setAttribute('error.type', errorName(error));
        }
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'kind' in error && typeof error.kind === 'string')
    return error.kind;
  return error instanceof Error ? error.name : 'error';
}

export { SpanKind, SpanStatusCode };
