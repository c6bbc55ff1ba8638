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

/** One code's journey through the system, from the ledger (epoch ms). */
export interface Journey {
  hook: HookRecord;
  /** The ingress received the hook. */
  received: number;
  /** The first provider call started, and ended. */
  started: number;
  finished: number;
}

/** The journeys of these codes (GET /v1/deliveries/…, the MSP token; a few at a time); unknown ones left out. */
export async function ledgerJourneys(
  system: RunningSystem,
  hooks: readonly HookRecord[],
): Promise<Journey[]> {
  const journeys: Journey[] = [];
  const queue = [...hooks];
  const one = async (): Promise<void> => {
    for (let hook = queue.shift(); hook; hook = queue.shift()) {
      const lookup = await getDelivery(system, hook.eventId, hook.tenant).catch(() => undefined);
      if (lookup?.status !== 200) continue;
      const view = lookup.body as {
        hookReceivedAt?: string;
        attempts?: { startedAt: string; finishedAt: string }[];
      };
      const first = view.attempts?.[0];
      if (!view.hookReceivedAt || !first) continue;
      journeys.push({
        hook,
        received: Date.parse(view.hookReceivedAt),
        started: Date.parse(first.startedAt),
        finished: Date.parse(first.finishedAt),
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, one));
  return journeys;
}

/** "p50/p99" of some milliseconds (or "–"). */
export function p50p99(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  return p50 === null || p99 === null ? '–' : `${Math.round(p50)}/${Math.round(p99)}`;
}
