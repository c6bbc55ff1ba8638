import type { Request, Response } from 'express';
import type { z } from 'zod';
import { validationFailed } from '../lib/okta-error.ts';

/** Parses a request body with a zod schema; every problem becomes one of Okta's errorCauses. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0]?.path.map(String).join('.') || what;
  throw validationFailed(
    first,
    ...parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    }),
  );
}

/** Where the Management API serves lists from: the org URL plus the path, for Link headers. */
export interface Pagination {
  /** Page size when the client gives no `limit`. Okta's defaults vary (20–200); tests make it small. */
  defaultLimit: number;
  maxLimit: number;
}

/**
 * Okta's cursor pagination: `?limit=N&after=<cursor>`, the next page announced in a `Link: <…>; rel="next"`
 * header, none on the last page (the SDK's collections follow exactly that). The cursor is the id of the last
 * item of the previous page.
 */
export function paginate<T extends { id: string }>(
  req: Request,
  res: Response,
  items: readonly T[],
  orgUrl: string,
  settings: Pagination,
): T[] {
  const rawLimit = Number(req.query.limit ?? settings.defaultLimit);
  if (!Number.isInteger(rawLimit) || rawLimit < 1)
    throw validationFailed('limit', 'limit must be a positive integer');
  const limit = Math.min(rawLimit, settings.maxLimit);
  const after = typeof req.query.after === 'string' ? req.query.after : undefined;
  let start = 0;
  if (after !== undefined) {
    const index = items.findIndex((item) => item.id === after);
    start = index < 0 ? items.length : index + 1;
  }
  const page = items.slice(start, start + limit);
  const self = new URL(req.originalUrl, orgUrl);
  const links = [`<${self.toString()}>; rel="self"`];
  const last = page.at(-1);
  if (last && start + limit < items.length) {
    const next = new URL(self);
    next.searchParams.set('after', last.id);
    next.searchParams.set('limit', String(limit));
    links.push(`<${next.toString()}>; rel="next"`);
  }
  res.setHeader('link', links);
  return page;
}

/** Loopback hosts, where Okta's https-only rule is relaxed (the simulator, tests). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Okta's rule for hook and token URLs: https, except loopback here — and the hosts the sandbox names
 * (OKTA_SIM_HTTP_HOOK_HOSTS, e.g. hook-ingress on a compose network). Returns the problem, or null.
 */
export function hookUrlProblem(value: string, httpHosts: readonly string[] = []): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (value.length > 1024) return 'must be at most 1024 characters';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  if (url.protocol === 'http:' && httpHosts.includes(url.hostname.toLowerCase())) return null;
  return 'must use https:// (plain http:// only for loopback hosts)';
}
