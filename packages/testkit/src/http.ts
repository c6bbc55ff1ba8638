import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForHttpOptions {
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number;
  /** Stops waiting early (e.g. because the server process died). */
  signal?: AbortSignal;
}

/** Polls `url` with GET until it answers 2xx; rejects after timeoutMs with the last status or error seen. */
export async function waitForHttp(
  url: string,
  timeoutMs = 10_000,
  options: WaitForHttpOptions = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no attempt made';
  for (;;) {
    options.signal?.throwIfAborted();
    const remaining = deadline - performance.now();
    try {
      // Each attempt is bounded too, so one hung connection cannot eat the whole budget.
      const attemptSignal = AbortSignal.timeout(Math.max(1, Math.min(1_000, remaining)));
      const signal = options.signal ? AbortSignal.any([options.signal, attemptSignal]) : attemptSignal;
      const response = await fetch(url, { signal });
      await response.body?.cancel();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      options.signal?.throwIfAborted();
      last = describeFetchError(error);
    }
    if (performance.now() >= deadline)
      throw new Error(`${url} did not answer 2xx within ${timeoutMs} ms (${last})`);
    await delay(options.intervalMs ?? 50, undefined, options.signal ? { signal: options.signal } : {});
  }
}

export interface JsonResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Parsed JSON when the body parses as JSON, else the raw text ('' when empty). */
  body: unknown;
  /** From sending the request to having read the whole body: what a caller with a deadline (Okta) sees. */
  elapsedMs: number;
}

export interface PostJsonOptions {
  /** Default 10 s. */
  timeoutMs?: number;
}

/** POSTs `body` as JSON. Never throws on HTTP error statuses: tests assert on them. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  options: PostJsonOptions = {},
): Promise<JsonResponse> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  const elapsedMs = performance.now() - started;
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: parseJsonOrText(text),
    elapsedMs,
  };
}

function parseJsonOrText(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici wraps the useful part (ECONNREFUSED…) in `cause`.
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}
