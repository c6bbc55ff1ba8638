import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { OktaApiCredentials, Tenant, TenantsConfig } from '../tenant.ts';
import { isolationProblems, type ReservedSecret } from './isolation-checks.ts';
import { formatProblem, type Problem, startsWith } from './problems.ts';
import {
  type ParsedTenant,
  TENANT_ID_PATTERN,
  TENANT_ID_PROBLEM,
  tenantSchema,
  tenantsFileShape,
} from './schema.ts';
import { substitute } from './substitute.ts';

export interface LoadOptions {
  /** Where `${NAME}` is looked up (the process environment). */
  env?: NodeJS.ProcessEnv;
  /** The fraud controls' per-tenant settings schema, for `policy:`. */
  policySchema?: z.ZodType;
  /** Secrets of the deployment itself that no tenant may reuse (ADMIN_TOKEN). */
  reserved?: ReservedSecret[];
}

export type LoadResult =
  | { ok: true; config: TenantsConfig; files: string[]; fingerprint: string }
  | { ok: false; problems: string[]; files: string[]; fingerprint: string };

/**
 * Reads, substitutes and validates a tenants file, collecting every problem rather than stopping at the first:
 * an operator fixing a file should see the whole list at once. Never throws for a bad file; never puts a value
 * in a problem. `files` (the tenants file and every `${file:…}` it read) and their `fingerprint` let a watcher
 * notice a change to any of them.
 */
export function loadTenantsFile(path: string, options: LoadOptions = {}): LoadResult {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { ok: false, problems: [`${file} cannot be read (${code})`], files: [file], fingerprint: code };
  }
  const result = parseTenantsText(text, { ...options, baseDir: dirname(file) });
  const files = [file, ...result.files];
  const fingerprint = fingerprintOf(files);
  return result.ok
    ? { ok: true, config: result.config, files, fingerprint }
    : { ok: false, problems: result.problems, files, fingerprint };
}

/** A digest of the files' contents: a change to any of them (or their appearance, or loss) changes it. */
export function fingerprintOf(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file).update('\0');
    try {
      hash.update(readFileSync(file));
    } catch (error) {
      hash.update(`missing:${(error as NodeJS.ErrnoException).code ?? ''}`);
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

type ParseResult =
  | { ok: true; config: TenantsConfig; files: string[] }
  | { ok: false; problems: string[]; files: string[] };

export function parseTenantsText(text: string, options: LoadOptions & { baseDir: string }): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    // The YAML library's own messages quote the offending source line, which may hold a secret: position only.
    const problems = doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return `YAML syntax, line ${line}, column ${col}: ${yamlReason(error.code)}`;
    });
    return { ok: false, problems, files: [] };
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || raw === undefined)
    return { ok: false, problems: ['the file is empty: expected "tenants:"'], files: [] };

  const substituted = substitute(raw, { env: options.env ?? process.env, baseDir: options.baseDir });
  const problems: Problem[] = [...substituted.problems];
  const report = (issues: readonly z.core.$ZodIssue[], prefix: Array<string | number>) => {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
      // A value whose substitution failed is already reported; its schema complaint would only repeat it.
      if (substituted.problems.some((p) => startsWith(path, p.path))) continue;
      problems.push({ path, message: issue.message });
    }
  };

  const shape = tenantsFileShape.safeParse(substituted.value);
  const tenants: Tenant[] = [];
  if (!shape.success) report(shape.error.issues, []);
  else {
    const schema = tenantSchema(options.policySchema);
    for (const [id, settings] of Object.entries(shape.data.tenants)) {
      if (!TENANT_ID_PATTERN.test(id)) {
        problems.push({ path: ['tenants', id], message: TENANT_ID_PROBLEM });
        continue;
      }
      const parsed = schema.safeParse(settings);
      if (parsed.success) tenants.push(toTenant(id, parsed.data));
      else report(parsed.error.issues, ['tenants', id]);
    }
    problems.push(...isolationProblems(tenants, options.reserved));
  }
  if (problems.length > 0)
    return { ok: false, problems: unique(problems.map(formatProblem)), files: substituted.files };
  return {
    ok: true,
    config: { origin: 'file', tenants: new Map(tenants.map((t) => [t.id, t])) },
    files: substituted.files,
  };
}

function toTenant(id: string, t: ParsedTenant): Tenant {
  const tenant: Tenant = {
    id,
    origin: 'file',
    oktaOrg: t.oktaOrg,
    ...(t.oktaApi ? { oktaApi: oktaApiOf(t.oktaApi) } : {}),
    hookAuth: {
      oauthClients: t.hookAuth.oauthClients.map((c) => ({
        clientId: c.clientId,
        ...(c.clientSecret !== undefined ? { clientSecret: c.clientSecret } : {}),
        ...(c.clientJwks !== undefined ? { clientJwks: c.clientJwks } : {}),
      })),
      ...(t.hookAuth.header ? { header: t.hookAuth.header } : {}),
      ...(t.hookAuth.oauthIssuer ? { oauthIssuer: withoutUndefined(t.hookAuth.oauthIssuer) } : {}),
    },
    defaultRegion: t.defaultRegion,
    sms: t.sms,
    voice: t.voice,
    emailFallback: t.emailFallback,
    ...(t.adminToken !== undefined ? { adminToken: t.adminToken } : {}),
    ...(t.twilio ? { twilio: withoutUndefined(t.twilio) } : {}),
    ...(t.vonage ? { vonage: withoutUndefined(t.vonage) } : {}),
    ...(t.sendgrid ? { sendgrid: withoutUndefined(t.sendgrid) } : {}),
    ...(t.policy !== undefined ? { policy: t.policy as Record<string, unknown> } : {}),
    ...(t.sendPace ? { sendPace: withoutUndefined(t.sendPace) } : {}),
  };
  return Object.freeze(tenant);
}

function oktaApiOf(api: NonNullable<ParsedTenant['oktaApi']>): OktaApiCredentials {
  if (api.token !== undefined) return { token: api.token };
  return withoutUndefined({
    clientId: api.clientId ?? '',
    privateKey: api.privateKey ?? '',
    keyId: api.keyId,
    scopes: api.scopes,
  }) as OktaApiCredentials;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}

const YAML_REASONS: Record<string, string> = {
  DUPLICATE_KEY: 'a key appears twice in the same mapping (a tenant listed twice?)',
  BAD_INDENT: 'bad indentation',
  TAB_AS_INDENT: 'tabs cannot indent YAML; use spaces',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  MULTILINE_IMPLICIT_KEY: 'a key runs over more than one line (a missing ":"?)',
  BLOCK_AS_IMPLICIT_KEY: 'a nested mapping where a key was expected',
  UNEXPECTED_TOKEN: 'unexpected character',
  ALIAS_PROPS: 'an alias cannot have a tag or anchor',
  BAD_ALIAS: 'an alias names no anchor',
  RESOURCE_EXHAUSTION: 'too many aliases',
};

function yamlReason(code: string): string {
  return YAML_REASONS[code] ?? code.toLowerCase().replace(/_/g, ' ');
}
