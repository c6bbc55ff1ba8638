import { scrubString } from '@byot/observability';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/** Attributes that carry a URL or a query: their query string is dropped whatever its parameters. */
const URL_ATTRIBUTES = new Set(['url.full', 'url.query', 'http.url', 'http.target', 'url.original']);
/** Attributes that can carry a database statement: only the command name is kept. */
const STATEMENT_ATTRIBUTES = new Set(['db.query.text', 'db.statement']);

/** A URL (absolute or a path) without its query string and fragment. */
export function withoutQuery(value: string): string {
  const cut = value.search(/[?#]/);
  return cut === -1 ? value : value.slice(0, cut);
}

/**
 * The last line of defence for span data, applied to every span before any exporter sees it: query strings are
 * cut from URL attributes (providers' status callbacks and SDK calls can carry signatures or keys there),
 * statements keep their first word, and every string, the span name included, has phone-number-like digit
 * runs masked the way the logger masks them. The instrumentations are configured not to record bodies,
 * headers or command arguments in the first place (see instrumentations.ts); this catches what slips through.
 */
export function cleanAttribute(key: string, value: unknown): unknown {
  if (typeof value === 'string') {
    if (key === 'url.query') return value === '' ? value : '[redacted]';
    if (URL_ATTRIBUTES.has(key)) return scrubString(withoutQuery(value));
    if (STATEMENT_ATTRIBUTES.has(key)) return value.split(/\s/, 1)[0] ?? '';
    return scrubString(value);
  }
  if (Array.isArray(value)) return value.map((item) => cleanAttribute(key, item));
  return value;
}

function cleanAttributes(attributes: ReadableSpan['attributes']): ReadableSpan['attributes'] {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) out[key] = cleanAttribute(key, value);
  return out as ReadableSpan['attributes'];
}

/** A read-only view of a finished span with its name, attributes and event attributes cleaned. */
export function redactedSpan(span: ReadableSpan): ReadableSpan {
  const name = scrubString(span.name);
  const attributes = cleanAttributes(span.attributes);
  const events = span.events.map((event) =>
    event.attributes ? { ...event, attributes: cleanAttributes(event.attributes) } : event,
  );
  return new Proxy(span, {
    get(target, property) {
      if (property === 'name') return name;
      if (property === 'attributes') return attributes;
      if (property === 'events') return events;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Wraps the exporting processor so that everything it hands on has been through redactedSpan. */
export class RedactingSpanProcessor implements SpanProcessor {
  readonly #inner: SpanProcessor;

  constructor(inner: SpanProcessor) {
    this.#inner = inner;
  }

  onStart(span: Span, parentContext: Context): void {
    this.#inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.#inner.onEnd(redactedSpan(span));
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
}
