/** What tests and drills do to a running system over HTTP: send Okta's hook, read and steer the simulator. */

/** The parts of a running system these helpers need. */
export interface SystemEndpoints {
  hookUrl: string;
  hookSecret: string;
  simUrl: string;
  ingressUrl: string;
  adminToken: string;
}

export interface HookAction {
  status: string;
  provider?: string;
  transactionId?: string;
  transactionMetadata?: string;
}

export interface HookAnswer {
  status: number;
  /** Milliseconds from sending to the complete answer. */
  ms: number;
  body: {
    commands?: { value: HookAction[] }[];
    error?: { errorSummary: string };
  };
  action: HookAction | undefined;
}

export interface SendHookOptions {
  /** Abort after this long. Default 3000 ms: Okta's window. */
  timeoutMs?: number;
  /** The Authorization header instead of the header secret (e.g. `Bearer <token>`, OKTA_HOOK_AUTH=oauth). */
  authorization?: string;
}

/** POSTs one hook as Okta would (its auth header, its 3 s window). Rejects on timeout or connection failure. */
export async function sendHook(
  system: SystemEndpoints,
  body: unknown,
  options: SendHookOptions = {},
): Promise<HookAnswer> {
  const started = performance.now();
  const response = await fetch(system.hookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: options.authorization ?? system.hookSecret,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 3_000),
  });
  const text = await response.text();
  let json: HookAnswer['body'] = {};
  try {
    json = JSON.parse(text) as HookAnswer['body'];
  } catch {
    // A load balancer's 502 or a proxy page: keep the status, the body is not Okta's shape anyway.
  }
  return {
    status: response.status,
    ms: performance.now() - started,
    body: json,
    action: json.commands?.[0]?.value[0],
  };
}

export interface SimMessage {
  id?: string;
  provider: string;
  sid: string;
  to: string;
  body?: string;
  channel: string;
  status?: string;
  statusHistory?: { status: string; at: number; errorCode?: number | string }[];
  errorCode?: number | string;
  speech?: { text: string };
  validityPeriod?: number;
  receivedAt: number;
  outcome?: string;
  /** The account the provider request authenticated as (a tenant's Twilio subaccount, Vonage's api key). */
  accountSid?: string;
  /** Where the provider reports status: a tenant's own callback path names the tenant. */
  statusCallback?: string;
}

export interface SimMessageQuery {
  to?: string;
  channel?: string;
  provider?: string;
  since?: number;
  outcome?: 'accepted' | 'rejected' | 'faulted' | 'any';
  limit?: number;
}

/** What the simulated providers accepted (default), for one recipient (a string) or by query. */
export async function simMessages(
  system: Pick<SystemEndpoints, 'simUrl'>,
  query: string | SimMessageQuery,
): Promise<SimMessage[]> {
  const filter: SimMessageQuery = typeof query === 'string' ? { to: query } : query;
  const params = new URLSearchParams(
    Object.entries(filter)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]): [string, string] => [key, String(value)]),
  );
  const response = await fetch(`${system.simUrl}/sim/messages?${params}`);
  if (!response.ok) throw new Error(`sim messages: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { messages: SimMessage[] }).messages;
}

/** PUT (or, with null, DELETE) the injected faults of one provider. */
export async function setSimFaults(
  system: Pick<SystemEndpoints, 'simUrl'>,
  faults: Record<string, unknown> | null,
  provider = 'twilio',
): Promise<void> {
  const response = await fetch(`${system.simUrl}/sim/faults/${provider}`, {
    method: faults ? 'PUT' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    ...(faults ? { body: JSON.stringify(faults) } : {}),
  });
  if (!response.ok) throw new Error(`sim faults: HTTP ${response.status} ${await response.text()}`);
}

/** PUT (or, with null, DELETE back to "all delivered") one provider's callback outcome mix and delays. */
export async function setSimCallbacks(
  system: Pick<SystemEndpoints, 'simUrl'>,
  provider: string,
  settings: Record<string, unknown> | null,
): Promise<void> {
  const response = await fetch(`${system.simUrl}/sim/callbacks/${provider}`, {
    method: settings ? 'PUT' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    ...(settings ? { body: JSON.stringify(settings) } : {}),
  });
  if (!response.ok) throw new Error(`sim callbacks: HTTP ${response.status} ${await response.text()}`);
}

export interface DeliveryLookup {
  /** HTTP status: 200 found, 404 unknown event (or no such route on this version of the ingress). */
  status: number;
  body: unknown;
}

/** The ingress' delivery ledger for one event (GET /v1/deliveries/:eventId, Bearer ADMIN_TOKEN). */
export async function getDelivery(
  system: Pick<SystemEndpoints, 'ingressUrl' | 'adminToken'>,
  eventId: string,
  /** A tenant of a tenants file: its own lookup path (`default` and single-org: today's path). */
  tenant?: string,
): Promise<DeliveryLookup> {
  const path =
    tenant === undefined || tenant === 'default'
      ? encodeURIComponent(eventId)
      : `${encodeURIComponent(tenant)}/${encodeURIComponent(eventId)}`;
  const response = await fetch(`${system.ingressUrl}/v1/deliveries/${path}`, {
    headers: { authorization: `Bearer ${system.adminToken}` },
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}
