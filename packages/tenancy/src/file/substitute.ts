import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Problem, ProblemPath } from './problems.ts';

/**
 * `${NAME}` becomes the environment variable NAME, `${file:/path}` the file's contents (trimmed), so that no
 * secret has to sit in the tenants file; `$${` is a literal `${`. Only string values are substituted, after the
 * YAML is parsed: a secret's text can never change the file's structure, and substituted text is not scanned
 * again. A relative `file:` path is read from the tenants file's folder.
 *
 * An unset (or empty) variable and an unreadable file are problems naming the key; the value is never shown.
 */
export interface SubstitutionContext {
  env: NodeJS.ProcessEnv;
  /** Folder of the tenants file, for relative `file:` paths. */
  baseDir: string;
  /** Reads a referenced file; replaced in tests. */
  readFile?: (path: string) => string;
}

export interface SubstitutionResult {
  value: unknown;
  problems: Problem[];
  /** Files read through `${file:…}` (absolute paths): a reload also notices when one of them changes. */
  files: string[];
}

const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function substitute(value: unknown, context: SubstitutionContext): SubstitutionResult {
  const problems: Problem[] = [];
  const files = new Set<string>();
  const read = context.readFile ?? ((path: string) => readFileSync(path, 'utf8'));

  const expand = (text: string, path: ProblemPath): string =>
    text.replace(TOKEN, (match, inner: string | undefined) => {
      if (match === '$${') return '${';
      if (inner === undefined) {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the file's substitution syntax, quoted to the operator
        problems.push({ path, message: 'has a "${" without its closing "}"' });
        return '';
      }
      const reference = inner.trim();
      if (reference.startsWith('file:')) {
        const target = reference.slice('file:'.length).trim();
        if (target === '') {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the file's substitution syntax, quoted to the operator
          problems.push({ path, message: '"${file:}" names no file' });
          return '';
        }
        const absolute = isAbsolute(target) ? target : resolve(context.baseDir, target);
        files.add(absolute);
        try {
          const contents = read(absolute).trim();
          if (contents === '') problems.push({ path, message: `file ${absolute} is empty` });
          return contents;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
          problems.push({ path, message: `file ${absolute} cannot be read (${code})` });
          return '';
        }
      }
      if (!ENV_NAME.test(reference)) {
        problems.push({
          path,
          message: `"\${${reference}}" is neither an environment variable name nor "file:/path"`,
        });
        return '';
      }
      const resolved = context.env[reference];
      if (resolved === undefined || resolved === '') {
        problems.push({ path, message: `environment variable ${reference} is not set` });
        return '';
      }
      return resolved;
    });

  const walk = (node: unknown, path: ProblemPath): unknown => {
    if (typeof node === 'string') return node.includes('${') ? expand(node, path) : node;
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return node;
  };

  return { value: walk(value, []), problems, files: [...files] };
}
