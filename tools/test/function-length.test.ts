/**
 * No function in the delivery package or the hook ingress longer than a screen (issue 18: ≈120 lines), checked
 * with the TypeScript parser on every test run, and the check itself shown to find what it should.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '@byot/testkit';
import { DEFAULT_MAX_FUNCTION_LINES, longFunctions, longFunctionsIn } from '../src/function-length.ts';

const body = (lines: number) => Array.from({ length: lines }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe('function length', () => {
  it('finds each kind of long function by the name a reader looks for, and counts its lines', () => {
    const text = [
      `export function declared() {\n${body(5)}\n}`,
      `const arrow = async () => {\n${body(5)}\n};`,
      `class Store {\n  method() {\n${body(5)}\n  }\n}`,
      `const deps = { run: function () {\n${body(5)}\n} };`,
      `register(() => {\n${body(5)}\n});`,
      'function short() {\n  return 1;\n}',
    ].join('\n');
    const found = longFunctionsIn('x.ts', text, 6);
    assert.deepEqual(
      found.map((f) => [f.name, f.lines]),
      [
        ['declared', 7],
        ['arrow', 7],
        ['Store.method', 7],
        ['run', 7],
        ['<anonymous>', 7],
      ],
    );
    assert.equal(found[0]?.line, 1);
    assert.deepEqual(longFunctionsIn('x.ts', text, 7), []);
  });

  it(`packages/delivery and services/hook-ingress have no function over ${DEFAULT_MAX_FUNCTION_LINES} lines`, () => {
    const root = repoRoot();
    const found = longFunctions(
      [join(root, 'packages/delivery/src'), join(root, 'services/hook-ingress/src')],
      DEFAULT_MAX_FUNCTION_LINES,
      root,
    );
    assert.deepEqual(
      found.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`),
      [],
      'shorten these: split them into named steps',
    );
  });
});
