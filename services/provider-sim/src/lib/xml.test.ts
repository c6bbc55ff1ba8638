import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXml, type XmlElement, XmlParseError } from './xml.ts';

function child(element: XmlElement, index: number): XmlElement {
  const node = element.children[index];
  assert.equal(node?.type, 'element');
  return node as XmlElement;
}

describe('parseXml', () => {
  it('parses elements, attributes in either quote style, self-closing tags and text', () => {
    const root = parseXml(`<?xml version="1.0" encoding="UTF-8"?>
<Response><Say voice='alice' language="en-US">Hello</Say><Pause length="2"/></Response>`);
    assert.equal(root.name, 'Response');
    const say = child(root, 0);
    assert.equal(say.name, 'Say');
    assert.deepEqual(
      [...say.attributes],
      [
        ['voice', 'alice'],
        ['language', 'en-US'],
      ],
    );
    assert.deepEqual(say.children, [{ type: 'text', value: 'Hello' }]);
    assert.deepEqual(child(root, 1).children, []);
  });

  it('decodes the five predefined entities and character references in text and attributes', () => {
    const root = parseXml('<a t="&quot;x&apos; &#65;&#x42;">&amp;&lt;&gt;&quot;&apos; &#233;&#x1F600;</a>');
    assert.equal(root.attributes.get('t'), `"x' AB`);
    assert.deepEqual(root.children, [{ type: 'text', value: `&<>"' é😀` }]);
  });

  it('keeps CDATA verbatim, skips comments, and normalises whitespace in attribute values', () => {
    const root = parseXml('<!-- lead --><a x="1\n2"><![CDATA[<b>&amp;</b>]]><!-- inner --></a><!-- tail -->');
    assert.equal(root.attributes.get('x'), '1 2');
    assert.deepEqual(root.children, [{ type: 'text', value: '<b>&amp;</b>' }]);
  });

  it('keeps prefixed names such as amazon:effect and hyphenated ones such as say-as', () => {
    const root = parseXml(
      '<Say><amazon:effect name="whispered"><say-as interpret-as="digits">12</say-as></amazon:effect></Say>',
    );
    const effect = child(root, 0);
    assert.equal(effect.name, 'amazon:effect');
    assert.equal(child(effect, 0).name, 'say-as');
  });

  it('accepts a byte-order mark', () => {
    assert.equal(parseXml('\uFEFF<a/>').name, 'a');
  });

  const malformed: [string, string, RegExp][] = [
    ['mismatched close tag', '<a><b></a></b>', /<\/a> does not match the open element <b>/],
    ['unclosed element', '<a><b></b>', /<a> is never closed/],
    ['bare ampersand', '<a>fish & chips</a>', /'&' must start an entity/],
    ['unknown entity', '<a>&nbsp;</a>', /unknown entity &nbsp;/],
    ['invalid character reference', '<a>&#0;</a>', /not a character allowed in XML/],
    ['DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a/>', /DOCTYPE/],
    ['second root', '<a/><b/>', /only comments and whitespace may follow the root element/],
    ['text before root', 'hello <a/>', /text is not allowed before the root element/],
    ['empty document', '   ', /the document is empty/],
    ['duplicate attribute', '<a x="1" x="2"/>', /duplicate attribute x/],
    ['unquoted attribute', '<a x=1/>', /must be quoted/],
    ['missing whitespace between attributes', '<a x="1"y="2"/>', /expected whitespace/],
    ['< in attribute', '<a x="<"/>', /'<' is not allowed in the value of attribute x/],
    ['control character', '<a>\u0001</a>', /U\+0001 is not allowed/],
    ['processing instruction', '<a><?php echo 1 ?></a>', /processing instructions are not allowed/],
    ['double hyphen in comment', '<a><!-- a -- b --></a>', /'--' is not allowed inside a comment/],
    [']]> in text', '<a>x]]>y</a>', /']]>' is not allowed in text/],
    ['unterminated start tag', '<a x="1"', /unterminated (start tag|value)/],
  ];
  for (const [name, source, message] of malformed) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => parseXml(source),
        (error: unknown) => {
          assert.ok(error instanceof XmlParseError, 'an XmlParseError');
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('reports the line and column of the problem', () => {
    try {
      parseXml('<Response>\n  <Say>\n  </Sya>\n</Response>');
      assert.fail('expected a parse error');
    } catch (error) {
      assert.ok(error instanceof XmlParseError);
      assert.equal(error.line, 3);
      assert.equal(error.column, 3);
      assert.match(error.message, /\(line 3, column 3\)$/);
    }
  });

  it('enforces the depth and node limits', () => {
    assert.throws(() => parseXml('<a><a><a><a/></a></a></a>', { maxDepth: 3 }), /nested deeper than 3/);
    assert.throws(() => parseXml('<a><b/><b/><b/></a>', { maxNodes: 3 }), /more than 3 nodes/);
  });
});
