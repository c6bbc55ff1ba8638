import escapeHtml from 'escape-html';

/**
 * Markup that is already safe to send: produced by the `html` template below (which escaped everything put into
 * it) or, rarely and visibly, by `unsafeRaw`. Anything else that reaches a page is escaped.
 */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** What a template accepts: text (escaped), markup, nothing (renders empty), or lists of those. */
export type Renderable = SafeHtml | string | number | boolean | null | undefined | readonly Renderable[];

function render(value: Renderable): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * The console's only way to build markup: `html\`<td>${value}</td>\`` escapes `value` (text, attribute values
 * alike — attributes are always double-quoted in our templates), keeps nested `html` results as they are, and
 * joins arrays, so a list renders with `rows.map((r) => html\`…\`)`.
 */
export function html(strings: TemplateStringsArray, ...values: Renderable[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] as Renderable) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Markup built elsewhere that is known to be safe (e.g. an SVG made of numbers). Use sparingly. */
export function unsafeRaw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A query string from filters, leaving out empty values, for links that keep the current filters. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : '';
}
