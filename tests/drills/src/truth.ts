/** Ground truth: what the simulated providers accepted, and what the delivery ledger says about an event. */
import { getDelivery, type RunningSystem, type SimMessage, simMessages } from '@byot/testkit';
import { percentile } from './metrics.ts';
import type { HookRecord, LedgerVerdict, ProviderDelivery } from './types.ts';

/** Everything the providers accepted since `since` (epoch ms), reduced to what judging needs. */
export async function providerDeliveries(system: RunningSystem, since: number): Promise<ProviderDelivery[]> {
  const messages = await simMessages(system, { since, limit: 1_000_000 });
  return messages.map(toDelivery);
}

export function toDelivery(message: SimMessage): ProviderDelivery {
  return {
    provider: message.provider,
    channel: message.channel,
    to: message.to,
    text: message.body ?? message.speech?.text ?? '',
    receivedAt: message.receivedAt,
    status: message.status ?? 'accepted',
    ...(message.errorCode === undefined ? {} : { errorCode: message.errorCode }),
    sid: message.sid,
  };
}

const VERDICTS = new Set<LedgerVerdict>([
  'delivered',
  'pending',
  'undelivered',
  'failed',
  'okta-fallback',
  'blocked',
]);

/**
 * The ledger's summary for one event (GET /v1/deliveries/:eventId → `delivery`). `unavailable` when the ingress
 * has no such route yet, answers something else, or does not answer.
 */
export async function ledgerVerdict(
  system: RunningSystem,
  eventId: string,
  tenant?: string,
): Promise<LedgerVerdict> {
  try {
    // The MSP's ADMIN_TOKEN sees every tenant; a tenant's delivery is looked up on its own path.
    const { status, body } = await getDelivery(system, eventId, tenant);
    if (status !== 200 || typeof body !== 'object' || body === null) return 'unavailable';
    const delivery = (body as { delivery?: unknown }).delivery;
    return typeof delivery === 'string' && VERDICTS.has(delivery as LedgerVerdict)
      ? (delivery as LedgerVerdict)
      : 'unavailable';
  } catch {
    return 'unavailable';
  }
}

/** p50/p99 of one leg of the codes' journey, as "p50/p99" (or "–"). */
export interface LedgerTimings {
  samples: number;
  toIngress: string;
  toSend: string;
  send: string;
}

/**
 * Where the codes' time went, from the ledger (GET /v1/deliveries/…, the MSP token): hook sent → the ingress
 * receiving it, → the first provider call starting, and that call. For explaining figures, never for verdicts.
 */
export async function ledgerTimings(
  system: RunningSystem,
  hooks: readonly HookRecord[],
): Promise<LedgerTimings> {
  const legs: [number[], number[], number[]] = [[], [], []];
  for (const hook of hooks.slice(0, 200)) {
    const { status, body } = await getDelivery(system, hook.eventId, hook.tenant).catch(() => ({
      status: 0,
      body: undefined,
    }));
    if (status !== 200) continue;
    const view = body as { hookReceivedAt?: string; attempts?: { startedAt: string; finishedAt: string }[] };
    const first = view.attempts?.[0];
    if (!view.hookReceivedAt || !first) continue;
    const received = Date.parse(view.hookReceivedAt);
    legs[0].push(received - hook.sentAt);
    legs[1].push(Date.parse(first.startedAt) - received);
    legs[2].push(Date.parse(first.finishedAt) - Date.parse(first.startedAt));
  }
  const show = (values: number[]): string => {
    const sorted = values.sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    return p50 === null || p99 === null ? '–' : `${Math.round(p50)}/${Math.round(p99)}`;
  };
  return { samples: legs[0].length, toIngress: show(legs[0]), toSend: show(legs[1]), send: show(legs[2]) };
}
