import { Router } from 'express';
import { z } from 'zod';
import { callTelephonyHook, type HookCall } from '../hooks/telephony-caller.ts';
import { oktaId } from '../lib/ids.ts';
import { notFound, OktaApiError, validationFailed } from '../lib/okta-error.ts';
import { isoNow } from '../lib/time.ts';
import type { Org } from '../org/org.ts';
import type { HookChannel, HookSecret, InlineHook } from '../org/types.ts';
import { hookUrlProblem, type Pagination, paginate, parseBody } from './common.ts';

export const TELEPHONY_HOOK_TYPE = 'com.okta.telephony.provider';
const HOOK_TYPES = [
  'com.okta.import.transform',
  'com.okta.oauth2.tokens.transform',
  'com.okta.saml.tokens.transform',
  'com.okta.telephony.provider',
  'com.okta.user.credential.password.import',
  'com.okta.user.pre-registration',
] as const;
const MAX_HOOKS = 50;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

/** The URL's shape here; https-only is checked by the router, which knows the sandbox's allowed http hosts. */
const url = (field: string) =>
  z.string().superRefine((value, ctx) => {
    const problem = hookUrlProblem(value.replace(/^http:/i, 'https:'));
    if (problem) ctx.addIssue({ code: 'custom', message: `${field} ${problem}` });
  });

/** Okta's https-only rule on the channel's URLs, as parseBody would word it. */
function requireHttps(channel: z.infer<typeof Channel>, httpHosts: readonly string[]): void {
  const urls: [string, string][] = [['uri', channel.config.uri]];
  if (channel.type === 'OAUTH') urls.push(['tokenUrl', channel.config.tokenUrl]);
  for (const [field, value] of urls) {
    const problem = hookUrlProblem(value, httpHosts);
    if (problem)
      throw validationFailed(`channel.config.${field}`, `channel.config.${field}: ${field} ${problem}`);
  }
}
const headers = z
  .array(
    z.object({
      key: z.string().regex(HEADER_NAME, 'must be an HTTP header name'),
      value: z.string().max(1024),
    }),
  )
  .max(20)
  .nullish()
  .transform((h) => h ?? []);
const method = z.literal('POST', { error: 'method must be POST' }).default('POST');

const HttpConfig = z.object({
  uri: url('uri'),
  method,
  headers,
  authScheme: z
    .object({
      type: z.literal('HEADER', { error: 'authScheme.type must be HEADER' }),
      key: z.string().regex(HEADER_NAME, 'must be an HTTP header name'),
      value: z.string().min(1).max(1024).optional(),
    })
    .nullish(),
});
const OAuthConfig = z.object({
  uri: url('uri'),
  method,
  headers,
  authScheme: z.null({ error: 'authScheme must be null for an OAUTH channel' }).optional(),
  authType: z.enum(['client_secret_post', 'private_key_jwt']),
  clientId: z.string().min(1).max(255),
  clientSecret: z.string().min(1).max(1024).optional(),
  hookKeyId: z.string().min(1).optional(),
  tokenUrl: url('tokenUrl'),
  scope: z.string().max(1024).nullish(),
});
const Channel = z.discriminatedUnion('type', [
  z.object({ type: z.literal('HTTP'), version: z.literal('1.0.0').default('1.0.0'), config: HttpConfig }),
  z.object({ type: z.literal('OAUTH'), version: z.literal('1.0.0').default('1.0.0'), config: OAuthConfig }),
]);
const HookCreate = z.object({
  name: z.string().trim().min(1).max(255),
  type: z.enum(HOOK_TYPES),
  version: z.literal('1.0.0', { error: 'version must be 1.0.0' }),
  channel: Channel,
});
const HookReplace = HookCreate.omit({ type: true }).extend({ type: z.enum(HOOK_TYPES).optional() });

export interface InlineHookRouterOptions {
  org: Org;
  orgUrl: () => string;
  pagination: Pagination;
  secondTelephonyHook: 'reject' | 'skip';
  /** Hosts where plain http:// hook and token URLs are accepted besides loopback (the sandbox's network). */
  httpHookHosts?: readonly string[];
  hookTimeoutMs: number;
  /** Every hook call made through execute, for the sandbox's log. */
  onCall: (call: HookCall, via: 'execute') => void;
  signal: AbortSignal;
}

/**
 * `/api/v1/inlineHooks` with Okta's validation: https URIs (loopback excepted), ≤ 50 hooks, POST only, a header
 * auth scheme for HTTP channels (its value is stored and never returned), OAuth channels with their client
 * secret or hook key (the secret never returned either), one active telephony hook, DELETE only when INACTIVE,
 * and execute, which calls the hook as Okta does (one retry on a timeout or an error answer, 400 when it fails).
 */
export function inlineHooksRouter(options: InlineHookRouterOptions): Router {
  const { org } = options;
  const router = Router();
  const find = (id: string): InlineHook => {
    const hook = org.inlineHooks.get(id);
    if (!hook) throw notFound('InlineHook', id);
    return hook;
  };
  const refuseSecondActive = (hook: InlineHook): void => {
    if (hook.type !== TELEPHONY_HOOK_TYPE || options.secondTelephonyHook === 'skip') return;
    const other = org.activeTelephonyHooks().find((h) => h.id !== hook.id);
    if (other) {
      throw validationFailed(
        'status',
        `Only one telephony inline hook can be active in an org; "${other.name}" (${other.id}) is active: deactivate it first.`,
      );
    }
  };

  router.get('/', (req, res) => {
    const type = req.query.type;
    if (type !== undefined && !(HOOK_TYPES as readonly unknown[]).includes(type)) {
      throw validationFailed('type', `type must be one of ${HOOK_TYPES.join(', ')}`);
    }
    const hooks = [...org.inlineHooks.values()].filter((h) => type === undefined || h.type === type);
    res.json(
      paginate(req, res, hooks, options.orgUrl(), options.pagination).map((h) => view(h, options.orgUrl())),
    );
  });

  router.post('/', (req, res) => {
    const input = parseBody(HookCreate, req.body, 'inlineHook');
    requireHttps(input.channel, options.httpHookHosts ?? []);
    if (org.inlineHooks.size >= MAX_HOOKS) {
      throw validationFailed('inlineHook', `An org can have at most ${MAX_HOOKS} inline hooks.`);
    }
    const { channel, secret } = channelFrom(input.channel, undefined, org, input.type);
    const now = isoNow();
    const hook: InlineHook = {
      id: oktaId('cal'),
      name: input.name,
      status: 'ACTIVE',
      type: input.type,
      version: input.version,
      channel,
      created: now,
      lastUpdated: now,
    };
    refuseSecondActive(hook);
    org.inlineHooks.set(hook.id, hook);
    org.hookSecrets.set(hook.id, secret);
    res.json(view(hook, options.orgUrl()));
  });

  router.get('/:id', (req, res) => {
    res.json(view(find(req.params.id), options.orgUrl()));
  });

  const replace = (id: string, body: unknown): InlineHook => {
    const hook = find(id);
    const input = parseBody(HookReplace, body, 'inlineHook');
    requireHttps(input.channel, options.httpHookHosts ?? []);
    if (input.type !== undefined && input.type !== hook.type) {
      throw validationFailed('type', 'The type of an inline hook cannot be changed.');
    }
    const { channel, secret } = channelFrom(
      input.channel,
      org.hookSecrets.get(hook.id),
      org,
      hook.type,
      hook.channel,
    );
    hook.name = input.name;
    hook.version = input.version;
    hook.channel = channel;
    hook.lastUpdated = isoNow();
    org.hookSecrets.set(hook.id, secret);
    return hook;
  };
  router.put('/:id', (req, res) => {
    res.json(view(replace(req.params.id, req.body), options.orgUrl()));
  });
  router.post('/:id', (req, res) => {
    res.json(view(replace(req.params.id, req.body), options.orgUrl()));
  });

  router.delete('/:id', (req, res) => {
    const hook = find(req.params.id);
    if (hook.status !== 'INACTIVE') {
      throw validationFailed('status', 'Only an INACTIVE inline hook can be deleted: deactivate it first.');
    }
    org.inlineHooks.delete(hook.id);
    org.hookSecrets.delete(hook.id);
    res.status(204).end();
  });

  router.post('/:id/lifecycle/activate', (req, res) => {
    const hook = find(req.params.id);
    refuseSecondActive(hook);
    if (hook.status !== 'ACTIVE') {
      hook.status = 'ACTIVE';
      hook.lastUpdated = isoNow();
    }
    res.json(view(hook, options.orgUrl()));
  });
  router.post('/:id/lifecycle/deactivate', (req, res) => {
    const hook = find(req.params.id);
    if (hook.status !== 'INACTIVE') {
      hook.status = 'INACTIVE';
      hook.lastUpdated = isoNow();
    }
    res.json(view(hook, options.orgUrl()));
  });

  router.post('/:id/execute', async (req, res) => {
    const hook = find(req.params.id);
    const payload = req.body as Record<string, unknown> | undefined;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw validationFailed('payloadData', 'The request body must be the JSON payload Okta would send.');
    }
    if (hook.type === TELEPHONY_HOOK_TYPE && typeof payload.eventId !== 'string') {
      throw validationFailed('eventId', 'A telephony payload needs an eventId.');
    }
    const call = () =>
      callTelephonyHook({
        hook,
        secret: org.hookSecrets.get(hook.id),
        hookKey: hookKeyOf(org, hook),
        payload: payload as HookCall & Record<string, unknown> & { eventId: string },
        timeoutMs: options.hookTimeoutMs,
        signal: options.signal,
      });
    let result = await call();
    options.onCall(result, 'execute');
    const usable = (r: HookCall): boolean =>
      r.httpStatus === 200 && typeof r.answer === 'object' && r.answer !== null;
    if (!usable(result)) {
      // Okta documents one retry for execute (not for real sign-ins) on a timeout or an error answer.
      result = await call();
      options.onCall(result, 'execute');
    }
    if (!usable(result)) {
      throw new OktaApiError(400, 'E0000001', 'Api validation failed: execute', [
        `The inline hook call failed: ${result.problem ?? `HTTP ${result.httpStatus} from the external service`}.`,
      ]);
    }
    res.json(result.answer);
  });

  return router;
}

export function hookKeyOf(org: Org, hook: InlineHook) {
  return hook.channel.type === 'OAUTH' && hook.channel.config.hookKeyId
    ? org.hookKeys.get(hook.channel.config.hookKeyId)
    : undefined;
}

/** Validated input → the stored channel and the secret Okta keeps to itself. */
function channelFrom(
  input: z.infer<typeof Channel>,
  previous: HookSecret | undefined,
  org: Org,
  type: string,
  previousChannel?: HookChannel,
): { channel: HookChannel; secret: HookSecret } {
  if (input.type === 'HTTP') {
    const scheme = input.config.authScheme;
    if (!scheme && type === TELEPHONY_HOOK_TYPE) {
      throw validationFailed('channel.config.authScheme', 'A telephony inline hook needs an authScheme.');
    }
    // Replacing without a value keeps the stored one only if the scheme is otherwise unchanged.
    const sameScheme =
      previousChannel?.type === 'HTTP' && previousChannel.config.authScheme?.key === scheme?.key;
    const value = scheme?.value ?? (sameScheme ? previous?.headerValue : undefined);
    if (scheme && value === undefined) {
      throw validationFailed('channel.config.authScheme.value', 'authScheme.value is required.');
    }
    return {
      channel: {
        type: 'HTTP',
        version: input.version,
        config: {
          uri: input.config.uri,
          method: 'POST',
          headers: input.config.headers,
          authScheme: scheme ? { type: 'HEADER', key: scheme.key } : null,
        },
      },
      secret: value === undefined ? {} : { headerValue: value },
    };
  }
  const config = input.config;
  const samePrevious =
    previousChannel?.type === 'OAUTH' && previousChannel.config.clientId === config.clientId;
  if (config.authType === 'client_secret_post') {
    if (config.hookKeyId !== undefined) {
      throw validationFailed('channel.config.hookKeyId', 'hookKeyId is for private_key_jwt only.');
    }
    const clientSecret = config.clientSecret ?? (samePrevious ? previous?.clientSecret : undefined);
    if (clientSecret === undefined) {
      throw validationFailed(
        'channel.config.clientSecret',
        'clientSecret is required for client_secret_post.',
      );
    }
    return {
      channel: { type: 'OAUTH', version: input.version, config: oauthConfig(config) },
      secret: { clientSecret },
    };
  }
  if (config.clientSecret !== undefined) {
    throw validationFailed('channel.config.clientSecret', 'clientSecret is for client_secret_post only.');
  }
  if (config.hookKeyId === undefined) {
    throw validationFailed('channel.config.hookKeyId', 'hookKeyId is required for private_key_jwt.');
  }
  if (!org.hookKeys.has(config.hookKeyId)) {
    throw validationFailed('channel.config.hookKeyId', `No hook key with id ${config.hookKeyId}.`);
  }
  return {
    channel: {
      type: 'OAUTH',
      version: input.version,
      config: { ...oauthConfig(config), hookKeyId: config.hookKeyId },
    },
    secret: {},
  };
}

function oauthConfig(config: z.infer<typeof OAuthConfig>) {
  return {
    uri: config.uri,
    method: 'POST' as const,
    headers: config.headers,
    authType: config.authType,
    clientId: config.clientId,
    tokenUrl: config.tokenUrl,
    ...(config.scope ? { scope: config.scope } : {}),
  };
}

/** What the API returns: never authScheme.value nor clientSecret. */
export function view(hook: InlineHook, orgUrl: string) {
  const self = `${orgUrl}/api/v1/inlineHooks/${hook.id}`;
  const channel =
    hook.channel.type === 'HTTP'
      ? hook.channel
      : {
          ...hook.channel,
          config: { ...hook.channel.config, authScheme: null, scope: hook.channel.config.scope ?? null },
        };
  return {
    id: hook.id,
    status: hook.status,
    name: hook.name,
    type: hook.type,
    version: hook.version,
    channel,
    created: hook.created,
    lastUpdated: hook.lastUpdated,
    _links: {
      self: { href: self },
      execute: { href: `${self}/execute`, hints: { allow: ['POST'] } },
      [hook.status === 'ACTIVE' ? 'deactivate' : 'activate']: {
        href: `${self}/lifecycle/${hook.status === 'ACTIVE' ? 'deactivate' : 'activate'}`,
        hints: { allow: ['POST'] },
      },
    },
  };
}
