/**
 * `node tools/src/function-length.ts [--max N] DIR…`: lists the functions longer than N lines (default 120, about
 * a screen) in the TypeScript sources under each DIR, tests excluded. Long functions are where a reader loses the
 * thread (issue 18: the send loop was one 312-line closure); the tools test runs this over packages/delivery and
 * services/hook-ingress so that none creeps back. It reads syntax only (the compiler's parser, no type check), so
 * it takes well under a second.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

export const DEFAULT_MAX_FUNCTION_LINES = 120;

export interface LongFunction {
  file: string;
  /** The function's name as a reader finds it (`name`, `Class.method`, or `<anonymous>` with its line). */
  name: string;
  line: number;
  lines: number;
}

/** Every function (declaration, method, arrow, expression) longer than `max` lines in one source text. */
export function longFunctionsIn(file: string, text: string, max: number): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > max) found.push({ file, name: nameOf(node), line: start + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function nameOf(node: ts.Node): string {
  const own = (n: ts.Node): string | undefined => {
    const name = (n as { name?: ts.Node }).name;
    return name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;
  };
  const direct = own(node);
  if (direct) {
    const owner = node.parent && ts.isClassLike(node.parent) ? own(node.parent) : undefined;
    return owner ? `${owner}.${direct}` : direct;
  }
  // An arrow or function expression takes the name of what holds it (`const x = () => …`, `{ run: async () => … }`).
  const holder = node.parent;
  const held = holder && (ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder)) && own(holder);
  return held || '<anonymous>';
}

/** The .ts files under a folder, tests and dependencies left out. */
export function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') files.push(...sourceFiles(path));
    } else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.test.ts') &&
      !entry.name.endsWith('.d.ts')
    ) {
      files.push(path);
    }
  }
  return files.sort();
}

/** The long functions under the given folders, longest first; paths relative to `root`. */
export function longFunctions(dirs: string[], max = DEFAULT_MAX_FUNCTION_LINES, root = process.cwd()) {
  return dirs
    .flatMap((dir) => sourceFiles(dir))
    .flatMap((file) => longFunctionsIn(relative(root, file), readFileSync(file, 'utf8'), max))
    .sort((a, b) => b.lines - a.lines);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--max');
  const max = at >= 0 ? Number(args.splice(at, 2)[1]) : DEFAULT_MAX_FUNCTION_LINES;
  if (!Number.isInteger(max) || max < 1 || args.length === 0) {
    process.stderr.write('usage: node tools/src/function-length.ts [--max N] DIR…\n');
    process.exit(2);
  }
  const found = longFunctions(args, max);
  for (const f of found)
    process.stdout.write(`${f.file}:${f.line}  ${f.name}  ${f.lines} lines (max ${max})\n`);
  process.exit(found.length > 0 ? 1 : 0);
}
