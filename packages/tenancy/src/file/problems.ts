/**
 * What is wrong with a tenants file, one entry per problem, each naming where (the tenant and the key) and never
 * the value: most values in that file are secrets or become secrets after substitution.
 */
export type ProblemPath = ReadonlyArray<string | number>;

export interface Problem {
  path: ProblemPath;
  message: string;
}

export class TenantsFileError extends Error {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`Invalid tenants file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TenantsFileError';
    this.problems = problems;
  }
}

/** `tenant "acme", hookAuth.oauthClients[0].clientSecret: …`, or the file-level key for anything else. */
export function formatProblem({ path, message }: Problem): string {
  const [root, tenant, ...rest] = path;
  if (root === 'tenants' && typeof tenant === 'string') {
    return rest.length === 0
      ? `tenant "${tenant}": ${message}`
      : `tenant "${tenant}", ${formatKeyPath(rest)}: ${message}`;
  }
  return path.length === 0 ? message : `${formatKeyPath(path)}: ${message}`;
}

export function formatKeyPath(path: ProblemPath): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}

export function startsWith(path: ProblemPath, prefix: ProblemPath): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => path[i] === part);
}
