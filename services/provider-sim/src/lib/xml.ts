/**
 * A small, strict XML parser for short documents such as inline TwiML (≤ 4000 characters).
 *
 * Why not a dependency: TwiML needs elements, attributes, text, the five predefined entities, character
 * references, comments and CDATA, and nothing else. A strict parser of that subset is ~200 lines, has no
 * entity-expansion or external-entity surface (DOCTYPE is refused outright), and reports errors with a line and
 * column, which is what a newcomer debugging their TwiML needs. Namespaces are not interpreted: a prefixed name
 * such as `amazon:effect` is kept verbatim.
 */

export interface XmlElement {
  readonly type: 'element';
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlNode[];
}

export interface XmlText {
  readonly type: 'text';
  readonly value: string;
}

export type XmlNode = XmlElement | XmlText;

export interface XmlLimits {
  /** Deepest element nesting accepted. Default 32. */
  maxDepth?: number;
  /** Most elements plus text nodes accepted. Default 10 000. */
  maxNodes?: number;
}

export class XmlParseError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(reason: string, line: number, column: number) {
    super(`${reason} (line ${line}, column ${column})`);
    this.name = 'XmlParseError';
    this.line = line;
    this.column = column;
  }
}

const NAME = /[A-Za-z_:][A-Za-z0-9._:-]*/y;
const WHITESPACE = /[ \t\r\n]*/y;
const TEXT_RUN = /[^<&]*/y;
/** Characters XML 1.0 allows anywhere (§2.2); control characters and lone surrogates are not among them. */
const FORBIDDEN_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const XML_DECLARATION =
  /^\s+version\s*=\s*(["'])1\.\d+\1(\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*$/;
const PREDEFINED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);

export function parseXml(source: string, limits: XmlLimits = {}): XmlElement {
  return new Parser(source, limits.maxDepth ?? 32, limits.maxNodes ?? 10_000).parseDocument();
}

function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

class Parser {
  readonly #src: string;
  readonly #maxDepth: number;
  readonly #maxNodes: number;
  #pos = 0;
  #nodes = 0;

  constructor(source: string, maxDepth: number, maxNodes: number) {
    this.#src = source;
    this.#maxDepth = maxDepth;
    this.#maxNodes = maxNodes;
  }

  parseDocument(): XmlElement {
    if (this.#src.startsWith('\uFEFF')) this.#pos = 1;
    const forbidden = FORBIDDEN_CHAR.exec(this.#src);
    if (forbidden) {
      const code = forbidden[0].codePointAt(0) ?? 0;
      this.#fail(
        `character U+${code.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`,
        forbidden.index,
      );
    }
    if (this.#src.startsWith('<?xml', this.#pos) && /[ \t\r\n]/.test(this.#src.charAt(this.#pos + 5))) {
      this.#parseXmlDeclaration();
    }
    this.#skipMisc();
    if (this.#pos >= this.#src.length) this.#fail('the document is empty: expected a root element');
    if (this.#src[this.#pos] !== '<') this.#fail('text is not allowed before the root element');
    const root = this.#parseElement(1);
    this.#skipMisc();
    if (this.#pos < this.#src.length) this.#fail('only comments and whitespace may follow the root element');
    return root;
  }

  #parseXmlDeclaration(): void {
    const end = this.#src.indexOf('?>', this.#pos);
    if (end < 0) this.#fail('unterminated XML declaration');
    if (!XML_DECLARATION.test(this.#src.slice(this.#pos + 5, end))) this.#fail('malformed XML declaration');
    this.#pos = end + 2;
  }

  /** Whitespace and comments, as allowed around the root element. */
  #skipMisc(): void {
    for (;;) {
      this.#skipWhitespace();
      if (this.#src.startsWith('<!--', this.#pos)) this.#parseComment();
      else if (this.#src.startsWith('<!', this.#pos))
        this.#fail('DOCTYPE and other declarations are not allowed');
      else if (this.#src.startsWith('<?', this.#pos)) this.#fail('processing instructions are not allowed');
      else return;
    }
  }

  #skipWhitespace(): boolean {
    WHITESPACE.lastIndex = this.#pos;
    const match = WHITESPACE.exec(this.#src);
    const length = match?.[0].length ?? 0;
    this.#pos += length;
    return length > 0;
  }

  #parseComment(): void {
    const start = this.#pos;
    const end = this.#src.indexOf('-->', start + 4);
    if (end < 0) this.#fail('unterminated comment', start);
    const body = this.#src.slice(start + 4, end);
    if (body.includes('--') || body.endsWith('-')) this.#fail("'--' is not allowed inside a comment", start);
    this.#pos = end + 3;
  }

  #parseName(what: string): string {
    NAME.lastIndex = this.#pos;
    const match = NAME.exec(this.#src);
    if (!match) this.#fail(`expected ${what}`);
    this.#pos += match[0].length;
    return match[0];
  }

  #parseElement(depth: number): XmlElement {
    const start = this.#pos;
    if (depth > this.#maxDepth) this.#fail(`elements are nested deeper than ${this.#maxDepth} levels`, start);
    this.#countNode(start);
    this.#pos += 1; // '<'
    const name = this.#parseName('an element name after <');
    const attributes = new Map<string, string>();
    for (;;) {
      const hadWhitespace = this.#skipWhitespace();
      if (this.#src.startsWith('/>', this.#pos)) {
        this.#pos += 2;
        return { type: 'element', name, attributes, children: [] };
      }
      if (this.#src[this.#pos] === '>') {
        this.#pos += 1;
        break;
      }
      if (this.#pos >= this.#src.length) this.#fail(`unterminated start tag <${name}>`, start);
      if (!hadWhitespace) this.#fail(`expected whitespace, '>' or '/>' in the start tag <${name}>`);
      const attributeStart = this.#pos;
      const attributeName = this.#parseName(`an attribute name, '>' or '/>' in <${name}>`);
      this.#skipWhitespace();
      if (this.#src[this.#pos] !== '=') this.#fail(`expected '=' after the attribute name ${attributeName}`);
      this.#pos += 1;
      this.#skipWhitespace();
      const value = this.#parseAttributeValue(attributeName);
      if (attributes.has(attributeName)) {
        this.#fail(`duplicate attribute ${attributeName} on <${name}>`, attributeStart);
      }
      attributes.set(attributeName, value);
    }
    const children = this.#parseContent(name, depth, start);
    return { type: 'element', name, attributes, children };
  }

  #parseAttributeValue(attributeName: string): string {
    const quote = this.#src[this.#pos];
    if (quote !== '"' && quote !== "'") this.#fail(`the value of attribute ${attributeName} must be quoted`);
    const start = this.#pos;
    this.#pos += 1;
    let value = '';
    for (;;) {
      const ch = this.#src[this.#pos];
      if (ch === undefined) this.#fail(`unterminated value of attribute ${attributeName}`, start);
      if (ch === quote) {
        this.#pos += 1;
        return value;
      }
      if (ch === '<') this.#fail(`'<' is not allowed in the value of attribute ${attributeName}`);
      if (ch === '&') {
        value += this.#parseReference();
        continue;
      }
      // Attribute-value normalisation (XML §3.3.3): literal tabs and line breaks become spaces.
      value += ch === '\t' || ch === '\n' || ch === '\r' ? ' ' : ch;
      this.#pos += 1;
    }
  }

  #parseContent(parentName: string, depth: number, openedAt: number): XmlNode[] {
    const children: XmlNode[] = [];
    let text = '';
    let textStart = this.#pos;
    const flushText = (): void => {
      if (text === '') return;
      this.#countNode(textStart);
      children.push({ type: 'text', value: text });
      text = '';
    };
    for (;;) {
      if (this.#pos >= this.#src.length) this.#fail(`<${parentName}> is never closed`, openedAt);
      if (text === '') textStart = this.#pos;
      const ch = this.#src[this.#pos];
      if (ch === '&') {
        text += this.#parseReference();
        continue;
      }
      if (ch !== '<') {
        TEXT_RUN.lastIndex = this.#pos;
        const run = TEXT_RUN.exec(this.#src)?.[0] ?? '';
        const cdataEnd = run.indexOf(']]>');
        if (cdataEnd >= 0) this.#fail("']]>' is not allowed in text", this.#pos + cdataEnd);
        text += run;
        this.#pos += run.length;
        continue;
      }
      if (this.#src.startsWith('</', this.#pos)) {
        const closeStart = this.#pos;
        this.#pos += 2;
        const closeName = this.#parseName('an element name after </');
        this.#skipWhitespace();
        if (this.#src[this.#pos] !== '>') this.#fail(`expected '>' to end </${closeName}`);
        if (closeName !== parentName) {
          this.#fail(`</${closeName}> does not match the open element <${parentName}>`, closeStart);
        }
        this.#pos += 1;
        flushText();
        return children;
      }
      if (this.#src.startsWith('<!--', this.#pos)) {
        this.#parseComment();
        continue;
      }
      if (this.#src.startsWith('<![CDATA[', this.#pos)) {
        const end = this.#src.indexOf(']]>', this.#pos + 9);
        if (end < 0) this.#fail('unterminated CDATA section');
        text += this.#src.slice(this.#pos + 9, end);
        this.#pos = end + 3;
        continue;
      }
      if (this.#src.startsWith('<!', this.#pos)) this.#fail('declarations are not allowed inside elements');
      if (this.#src.startsWith('<?', this.#pos)) this.#fail('processing instructions are not allowed');
      flushText();
      children.push(this.#parseElement(depth + 1));
    }
  }

  /** `&name;` or `&#…;` at the current position; returns the character(s) it stands for. */
  #parseReference(): string {
    const start = this.#pos;
    const end = this.#src.indexOf(';', start);
    if (end < 0 || end - start > 12) {
      this.#fail(
        "'&' must start an entity or character reference such as &amp; (write a literal & as &amp;)",
      );
    }
    const ref = this.#src.slice(start + 1, end);
    this.#pos = end + 1;
    const named = PREDEFINED_ENTITIES.get(ref);
    if (named !== undefined) return named;
    const numeric = /^#(?:([0-9]+)|x([0-9a-fA-F]+))$/.exec(ref);
    if (!numeric)
      this.#fail(`unknown entity &${ref}; (XML predefines only &amp; &lt; &gt; &quot; &apos;)`, start);
    const codePoint =
      numeric[1] !== undefined ? Number.parseInt(numeric[1], 10) : Number.parseInt(numeric[2] ?? '', 16);
    if (!isXmlChar(codePoint)) this.#fail(`&${ref}; is not a character allowed in XML`, start);
    return String.fromCodePoint(codePoint);
  }

  #countNode(at: number): void {
    this.#nodes += 1;
    if (this.#nodes > this.#maxNodes) this.#fail(`the document has more than ${this.#maxNodes} nodes`, at);
  }

  #fail(reason: string, at: number = this.#pos): never {
    const before = this.#src.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new XmlParseError(reason, line, column);
  }
}
