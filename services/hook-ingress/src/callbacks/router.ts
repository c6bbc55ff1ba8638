import type { IncomingMessage } from 'node:http';
import {
  type CallbackBody,
  type CallbackRequest,
  callbackEndpoints,
  DEFAULT_MAX_SKEW_MS,
  MalformedCallback,
  providerNamed,
  type ServedEndpoint,
} from '@byot/providers/registry';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import {
  accept,
  type CallbackDeps,
  callbackErrorHandler,
  malformed,
  notConfigured,
  refuse,
  skipped,
} from './common.ts';

/**
 * Every provider's status-callback routes, from the provider registry: each endpoint says how its body is read,
 * how a request is verified and what it reports; this router does the rest the same way for all of them —
 * verify (403 and nothing else when it fails), read (400 when malformed), enqueue (503 when the queue cannot take
 * it, so the provider retries), answer 204 fast. A provider that is not configured answers 404.
 */
export function callbacksRouter(deps: CallbackDeps, options: { mountedAt?: string } = {}): Router {
  const router = express.Router();
  const endpoints = callbackEndpoints(deps, { maxSkewMs: deps.maxSkewMs ?? DEFAULT_MAX_SKEW_MS });
  // Mounted under a prefix (a tenant's `/v1/callbacks/{tenant}`), a route is the provider's path after it.
  const pathOf = (path: string) =>
    options.mountedAt && path.startsWith(options.mountedAt) ? path.slice(options.mountedAt.length) : path;
  for (const endpoint of endpoints) {
    const path = pathOf(endpoint.path);
    if (!endpoint.configured) {
      router.post(path, notConfigured(providerNamed(endpoint.provider).displayName));
      continue;
    }
    router.post(
      path,
      ...bodyParsers(endpoint.body, endpoint.maxBodyBytes ?? deps.maxBodyBytes),
      (req: Request, res: Response) => handle(endpoint, req, res, deps),
    );
    router.use(path, callbackErrorHandler(deps.log));
  }
  return router;
}

async function handle(
  endpoint: ServedEndpoint,
  req: Request,
  res: Response,
  deps: CallbackDeps,
): Promise<void> {
  const request = callbackRequest(endpoint.body, req, (deps.now ?? Date.now)());
  const { provider } = endpoint;
  try {
    const verification = await endpoint.verify(request);
    if (!verification.ok) return refuse(res, deps.log, provider, verification.reason);
    const { events, skipped: left } = endpoint.parse(request);
    if (left) skipped(deps.log, provider, left);
    await accept(res, deps, provider, events);
  } catch (error) {
    if (error instanceof MalformedCallback) return malformed(res, deps.log, provider, error.message);
    throw error;
  }
}

interface RawBodyRequest extends IncomingMessage {
  rawBody?: Buffer;
}

/** The body parsers an endpoint's reading needs, with its cap; they never echo or log the body. */
function bodyParsers(body: CallbackBody, limit: number): RequestHandler[] {
  const form = express.urlencoded({
    extended: false,
    limit,
    parameterLimit: 100,
    type: 'application/x-www-form-urlencoded',
  });
  switch (body) {
    case 'form':
      return [form];
    case 'json-or-form':
      return [express.json({ limit, strict: true, type: 'application/json' }), form];
    case 'json':
      return [
        express.json({
          limit,
          strict: true,
          type: 'application/json',
          verify: (req, _res, buf) => {
            (req as RawBodyRequest).rawBody = Buffer.from(buf);
          },
        }),
      ];
    case 'raw':
      return [express.raw({ type: () => true, limit })];
  }
}

function callbackRequest(body: CallbackBody, req: Request, receivedAt: number): CallbackRequest {
  const raw = body === 'raw' ? req.body : (req as RawBodyRequest).rawBody;
  return {
    originalUrl: req.originalUrl,
    header: (name) => req.get(name),
    isForm: Boolean(req.is('application/x-www-form-urlencoded')),
    body: body === 'raw' ? undefined : req.body,
    rawBody: Buffer.isBuffer(raw) ? raw : body === 'raw' ? Buffer.alloc(0) : undefined,
    receivedAt,
  };
}
