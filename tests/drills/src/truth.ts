/** Ground truth: what the simulated providers accepted, and what the delivery ledger says about an event. */
import { getDelivery, type RunningSystem, type SimMessage, simMessages } from '@byot/testkit';
import type { LedgerVerdict, ProviderDelivery } from './types.ts';

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
