import { createPrivateKey } from 'node:crypto';
import { type OktaReading, readOktaAnswer } from '@byot/contracts';
import { SignJWT } from 'jose';
import { randomBase62 } from '../lib/ids.ts';
import type { HookKey, HookSecret, InlineHook } from '../org/types.ts';

/** Okta's window for the whole call: fetching the token and calling the hook share it. */
export const OKTA_HOOK_TIMEOUT_MS = 3_000;
/** Okta reads at most 256 KB of a hook's answer. */
const MAX_ANSWER_BYTES = 256 * 1024;

export type HookAuthKind = 'header' | 'oauth client_secret_post' | 'oauth private_key_jwt' | 'none';

/** One call of a telephony hook, as Okta's logs would tell it (never the code, the secret or the token). */
export interface HookCall {
  eventId: string;
  hookId: string;
  hookName: string;
  requestType: string;
  startedAt: string;
  durationMs: number;
  auth: HookAuthKind;
  /** The OAuth step: where the token came from, how it went. */
  token?: { url: string; status?: number; durationMs: number; error?: string };
  /** The hook's HTTP status; undefined when it never answered (timeout, refused, or the token step failed). */
  httpStatus?: number;
  /** The hook's JSON answer (Okta shows it to admins; it holds no code). */
  answer?: unknown;
  reading: OktaReading;
  /** Why there was no usable answer, in Okta's words where it has them. */
  problem?: string;
}

export interface HookCallDependencies {
  hook: InlineHook;
  secret: HookSecret | undefined;
  /** The hook's key, for private_key_jwt. */
  hookKey: HookKey | undefined;
  payload: { eventId: string; requestType?: string } & Record<string, unknown>;
  timeoutMs?: number;
  /** Cancels the call (the simulator is shutting down). */
  signal?: AbortSignal;
}

/**
 * Calls a telephony hook exactly as Okta does: JSON POST, the configured header secret or an OAuth 2.0 bearer
 * token fetched first from the hook's token URL (`client_secret_post`, or a `private_key_jwt` assertion signed
 * with the hook key), custom headers, no redirects followed, and one 3-second deadline for all of it.
 */
export async function callTelephonyHook(deps: HookCallDependencies): Promise<HookCall> {
  const { hook, payload } = deps;
  const started = performance.now();
  const deadline = AbortSignal.any([
    AbortSignal.timeout(deps.timeoutMs ?? OKTA_HOOK_TIMEOUT_MS),
    ...(deps.signal ? [deps.signal] : []),
  ]);
  const base = {
    eventId: payload.eventId,
    hookId: hook.id,
    hookName: hook.name,
    requestType: String(payload.requestType ?? ''),
    startedAt: new Date().toISOString(),
  };
  const finish = (rest: Omit<HookCall, keyof typeof base | 'durationMs'>): HookCall => ({
    ...base,
    durationMs: Math.round(performance.now() - started),
    ...rest,
  });
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/json',
  };
  for (const header of hook.channel.config.headers) headers[header.key] = header.value;

  let auth: HookAuthKind = 'none';
  let token: HookCall['token'];
  if (hook.channel.type === 'HTTP') {
    if (hook.channel.config.authScheme && deps.secret?.headerValue !== undefined) {
      auth = 'header';
      headers[hook.channel.config.authScheme.key] = deps.secret.headerValue;
    }
  } else {
    const config = hook.channel.config;
    auth = config.authType === 'client_secret_post' ? 'oauth client_secret_post' : 'oauth private_key_jwt';
    const tokenStarted = performance.now();
    const fetched = await fetchToken(config, deps, deadline);
    token = {
      url: config.tokenUrl,
      durationMs: Math.round(performance.now() - tokenStarted),
      ...(fetched.status === undefined ? {} : { status: fetched.status }),
      ...(fetched.error ? { error: fetched.error } : {}),
    };
    if (!fetched.accessToken) {
      const problem = `could not get an access token from ${config.tokenUrl}: ${fetched.error}`;
      return finish({
        auth,
        token,
        problem,
        reading: deadline.aborted
          ? readOktaAnswer(undefined, undefined)
          : { kind: 'fallback', reason: 'http-status', detail: `token request failed (${fetched.error})` },
      });
    }
    headers.authorization = `Bearer ${fetched.accessToken}`;
  }

  try {
    const response = await fetch(hook.channel.config.uri, {
      method: 'POST',
      headers,
      body: JSON.stringify(payload),
      redirect: 'manual',
      signal: deadline,
    });
    const text = await readCapped(response, MAX_ANSWER_BYTES);
    let answer: unknown = text;
    try {
      answer = JSON.parse(text);
    } catch {
      // Not JSON: Okta's reading calls it malformed.
    }
    if (text.length >= MAX_ANSWER_BYTES) {
      return finish({
        auth,
        ...(token ? { token } : {}),
        httpStatus: response.status,
        problem: 'the answer exceeds 256 KB',
        reading: { kind: 'fallback', reason: 'malformed', detail: 'the answer exceeds 256 KB' },
      });
    }
    return finish({
      auth,
      ...(token ? { token } : {}),
      httpStatus: response.status,
      answer,
      reading: readOktaAnswer(response.status, answer),
    });
  } catch (error) {
    const timedOut = deadline.aborted;
    return finish({
      auth,
      ...(token ? { token } : {}),
      problem: timedOut ? 'no answer within 3 s' : `connection failed (${causeOf(error)})`,
      reading: timedOut
        ? readOktaAnswer(undefined, undefined)
        : { kind: 'fallback', reason: 'timeout', detail: `connection failed (${causeOf(error)})` },
    });
  }
}

async function fetchToken(
  config: Extract<InlineHook['channel'], { type: 'OAUTH' }>['config'],
  deps: HookCallDependencies,
  signal: AbortSignal,
): Promise<{ accessToken?: string; status?: number; error?: string }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (config.scope) form.set('scope', config.scope);
  if (config.authType === 'client_secret_post') {
    if (deps.secret?.clientSecret === undefined) return { error: 'no client secret stored' };
    form.set('client_id', config.clientId);
    form.set('client_secret', deps.secret.clientSecret);
  } else {
    if (!deps.hookKey) return { error: `hook key ${config.hookKeyId ?? '(none)'} not found` };
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: deps.hookKey.keyId, typ: 'JWT' })
      .setIssuer(config.clientId)
      .setSubject(config.clientId)
      .setAudience(config.tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti(randomBase62(32))
      .sign(createPrivateKey(deps.hookKey.privateKeyPem));
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', assertion);
  }
  try {
    const response = await fetch(config.tokenUrl, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
      signal,
    });
    const text = await readCapped(response, 64 * 1024);
    let body: { access_token?: unknown; token_type?: unknown; error?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // handled below
    }
    if (response.status !== 200) {
      return {
        status: response.status,
        error: `HTTP ${response.status}${typeof body.error === 'string' ? ` ${body.error}` : ''}`,
      };
    }
    if (typeof body.access_token !== 'string' || String(body.token_type).toLowerCase() !== 'bearer') {
      return { status: 200, error: 'the answer has no Bearer access_token' };
    }
    return { status: 200, accessToken: body.access_token };
  } catch (error) {
    return { error: signal.aborted ? 'no answer within 3 s' : `connection failed (${causeOf(error)})` };
  }
}

async function readCapped(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
