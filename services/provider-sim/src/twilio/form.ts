/**
 * Read access to a parsed application/x-www-form-urlencoded body. express.urlencoded({ extended: false })
 * yields a string for a parameter sent once and an array for a parameter sent more than once (twilio-node
 * repeats list parameters such as StatusCallbackEvent); both shapes are handled here, once.
 */
export class FormParams {
  readonly #values: ReadonlyMap<string, readonly string[]>;

  private constructor(values: ReadonlyMap<string, readonly string[]>) {
    this.#values = values;
  }

  /** Accepts whatever the body parser left in req.body (undefined when the request had no form body). */
  static from(body: unknown): FormParams {
    const values = new Map<string, string[]>();
    if (typeof body === 'object' && body !== null) {
      // Object.entries sees own enumerable keys only, so "__proto__" or "toString" in a body cannot smuggle
      // anything in from a prototype.
      for (const [name, value] of Object.entries(body)) {
        const list = (Array.isArray(value) ? value : [value]).filter(
          (v): v is string => typeof v === 'string',
        );
        values.set(name, list);
      }
    }
    return new FormParams(values);
  }

  /** The first value of a single-valued parameter; an empty string counts as absent, as it does for Twilio. */
  get(name: string): string | undefined {
    const first = this.#values.get(name)?.[0];
    return first === undefined || first === '' ? undefined : first;
  }

  /** Every non-empty value of a repeatable parameter, in the order sent. */
  getAll(name: string): string[] {
    return (this.#values.get(name) ?? []).filter((value) => value !== '');
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}
