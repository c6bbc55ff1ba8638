import type { IncomingMessage } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/** Probes and scrapes: a span every few seconds per orchestrator would drown the traces that matter. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/breakers']);

function isProbe(request: IncomingMessage): boolean {
  return UNTRACED_PATHS.has((request.url ?? '/').split('?')[0] ?? '/');
}

/**
 * The automatic instrumentations byot uses, configured to record nothing secret:
 * - HTTP (Node's http/https: the incoming hook and callbacks; Twilio's and SendGrid's SDKs, which use axios):
 *   no headers and no bodies are recorded (none are listed in headersToSpanAttributes); query strings are
 *   cut by the redacting span processor; probes are not traced; outgoing calls only inside a trace.
 * - undici (global fetch: the Vonage SDK): same rules.
 * - Express: route and middleware spans, and the route on the server span's name.
 * - ioredis: the command name only, never its arguments (keys hold event ids, values sealed payloads).
 */
export function byotInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: isProbe,
      requireParentforOutgoingSpans: true,
      // The built-in redaction of well-known signature parameters stays on; RedactingSpanProcessor then drops
      // every query string whole.
    }),
    new UndiciInstrumentation({ requireParentforSpans: true }),
    new ExpressInstrumentation(),
    new IORedisInstrumentation({
      requireParentSpan: true,
      dbStatementSerializer: (command) => command,
    }),
  ];
}
