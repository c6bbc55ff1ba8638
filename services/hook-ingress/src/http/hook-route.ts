import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_TENANT_ID, isTenantId, oktaError } from '@byot/contracts';
import type { Logger } from '@byot/observability';
import { setServerRoute } from '@byot/telemetry';
import { type HookTenants, sourceOriginForLog, sourceWithinOrg } from '../tenants/hook-tenants.ts';
import { requestErrorAnswer } from './errors.ts';
import type { hookAnswerer } from './telephony-route.ts';

export interface PlainHookRouteDeps {
  tenants: HookTenants;
  answerHook: ReturnType<typeof hookAnswerer>;
  maxBodyBytes: number;
  log: Logger;
  /** The hook path (TELEPHONY_HOOK_PATH) and the route names the server span gets, as Express names them. */
  path: string;
  tenantRoute: string;
  /** Counts the answer once the response is finished (app.ts countAnswer). */
  countAnswer?: (
    res: ServerResponse,
    tenant: string | undefined,
    labels: AnswerLabels,
    startedAt: number,
  ) => void;
  /** The client's address exactly as Express's req.ip names it (trust proxy), for the refusal log lines. */
  clientIp(req: IncomingMessage): string | undefined;
}

/** What the metrics count an answer under, set when the answer is sent. */
export interface AnswerLabels {
  answerLabel?: string;
  requestType?: string;
}

/**
 * The hook on plain node:http, ahead of Express (ADR 0022, "Later (perf3)"): the same steps as Express's hook
 * chain in app.ts — tenant (404), authentication before the body is read (401), JSON body (400), the tenant's Okta
 * org (401), the route — with the same answers (status, body, headers) and log lines, without Express's router,
 * request/response prototypes and body-parser stack on Okta's busiest path.
 *
 * It takes only the requests whose every step it answers as Express would; for anything else it returns false
 * having read and written nothing, and Express serves the request with the chain it always had: another method,
 * any other spelling of the path (case, trailing slash, escapes), a body Express would refuse or decode (no
 * Content-Length, chunked, compressed, another charset or media-type parameter, larger than the limit).
 */
export function plainHookRoute(
  deps: PlainHookRouteDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const tenantPrefix = `${deps.path}/`;
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    let tenantParam: string;
    if (path === deps.path) tenantParam = DEFAULT_TENANT_ID;
    else if (path.startsWith(tenantPrefix) && SEGMENT.test(path.slice(tenantPrefix.length)))
      tenantParam = path.slice(tenantPrefix.length);
    else return false;
    if (!plainBody(req, deps.maxBodyBytes)) return false;
    // The clock starts before anything else: the budget is Okta's, not ours.
    const receivedAt = Date.now();
    const startedAt = performance.now();
    setServerRoute(path === deps.path ? deps.path : deps.tenantRoute);
    void serve(deps, req, res, path, tenantParam, receivedAt, startedAt);
    return true;
  };
}

/** A tenant segment that needs no decoding: the path carries it exactly as Express's req.params would. */
const SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;
const DIGITS = /^\d{1,15}$/;
/** The media types body-parser reads as this route's JSON with the charset it decodes as UTF-8. */
const JSON_TYPE = /^application\/json(?:\s*;\s*charset=(?:utf-8|"utf-8"))?$/i;

/** True when Express's express.json() would read this body as plain UTF-8 JSON of a known length within the limit. */
function plainBody(req: IncomingMessage, maxBodyBytes: number): boolean {
  const headers = req.headers;
  const length = headers['content-length'];
  if (headers['transfer-encoding'] !== undefined || length === undefined || !DIGITS.test(length))
    return false;
  if (Number(length) > maxBodyBytes) return false;
  const encoding = headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') return false;
  return JSON_TYPE.test(headers['content-type'] ?? '');
}

async function serve(
  deps: PlainHookRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  tenantParam: string,
  receivedAt: number,
  startedAt: number,
): Promise<void> {
  try {
    const tenant = isTenantId(tenantParam) ? deps.tenants.forHook(tenantParam) : undefined;
    // Not found, exactly as any other unknown path: an unknown tenant learns nothing of which tenants exist.
    if (!tenant) return sendJson(res, 404, oktaError('Not found'));
    const labels: AnswerLabels = {};
    // Counted from here: a probe of unknown tenants must not mint metric labels.
    deps.countAnswer?.(res, deps.tenants.shared ? tenant.id : undefined, labels, startedAt);
    // Authenticate before reading the body: an unauthenticated caller costs us no JSON parsing.
    const auth = await tenant.authenticator.authenticate(req.headers);
    if (!auth.ok) {
      deps.log.warn(
        { tenant: tenant.id, reason: auth.reason, scheme: auth.scheme, ip: deps.clientIp(req) },
        'hook refused: authentication failed',
      );
      if (auth.challenge) res.setHeader('WWW-Authenticate', auth.challenge);
      return sendJson(res, 401, oktaError('Unauthorized'));
    }
    const body = parseJson(await readBody(req));
    // A credential proves the caller holds this tenant's secret; `source` says which org Okta called from.
    const source = (body as { source?: unknown } | null)?.source;
    if (tenant.oktaOrg !== undefined && !sourceWithinOrg(source, tenant.oktaOrg)) {
      deps.log.warn(
        {
          tenant: tenant.id,
          reason: 'source-outside-org',
          source: sourceOriginForLog(source),
          ip: deps.clientIp(req),
        },
        "hook refused: source is not the tenant's Okta org",
      );
      return sendJson(res, 401, oktaError('Unauthorized'));
    }
    await deps.answerHook({ body, tenant, receivedAt, startedAt }, (answer, requestType) => {
      labels.answerLabel = answer.label;
      if (requestType !== undefined) labels.requestType = requestType;
      sendJson(res, answer.httpStatus, answer.body);
    });
  } catch (error) {
    // What Express's error handler answers and logs: a body that is not JSON (400), anything unexpected (500).
    const answer = requestErrorAnswer(deps.log, error, path);
    if (!res.headersSent) sendJson(res, answer.status, answer.body);
  }
}

/** Express's res.status(status).json(body), with the app's settings (no ETag, no X-Powered-By). */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

class BodyError extends Error {
  readonly status = 400;
  readonly type: string;
  constructor(type: string) {
    super(type);
    this.type = type;
  }
}

/** The body's bytes; a request that ends before its Content-Length is raw-body's "request.aborted" (400). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    req.once('end', () => {
      ended = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.once('error', () => reject(new BodyError('request.aborted')));
    req.once('close', () => {
      if (!ended) reject(new BodyError('request.aborted'));
    });
  });
}

// body-parser's own expression: JSON's four whitespace characters (space, tab, LF, CR).
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON's whitespace includes tab, LF and CR
const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/;

/**
 * express.json({ strict: true }) on a UTF-8 body: the byte-order mark dropped (iconv-lite's decoder), an empty
 * body read as {}, anything but an object or array at the top refused, invalid JSON refused — both as
 * "entity.parse.failed" (400).
 */
function parseJson(bytes: Buffer): unknown {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  if (text[0] !== '{' && text[0] !== '[') {
    const first = FIRST_NON_WHITESPACE.exec(text)?.[1];
    if (first !== '{' && first !== '[') throw new BodyError('entity.parse.failed');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError('entity.parse.failed');
  }
}
