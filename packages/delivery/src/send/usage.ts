import type { SendJob } from '@byot/contracts';
import { REQUEST_TYPE_LABEL } from '@byot/contracts';
import type { Logger } from '@byot/observability';
import { tenantOf } from './routing.ts';

/**
 * Usage for billing, counted where a code's outcome is known (issue 13): per tenant and UTC day, the codes by
 * channel, request type, country, provider and outcome; the messages and SMS segments providers accepted;
 * failovers. `@byot/tenancy`'s UsageCounters is the real one (Redis hashes); the loop only needs `record`.
 */
export interface UsageRecorder {
  /** The events of one outcome together: one write (UsageCounters: one MULTI), not one per event. */
  record(tenant: string, events: readonly UsageEventLike[]): Promise<void>;
}

/** The events of @byot/tenancy's UsageEvent the send loop and the receipts produce. */
export type UsageEventLike =
  | {
      kind: 'code';
      channel: string;
      requestType: string;
      country?: string;
      provider?: string;
      outcome: string;
    }
  | { kind: 'message'; channel: string; country?: string; provider: string; segments?: number }
  | { kind: 'failover'; channel: string; from: string; to: string; country?: string }
  | { kind: 'receipt'; channel: string; provider: string; status: string };

/**
 * Counts without delaying or failing the delivery: the counters are for the invoice, the code is for a person
 * waiting at a sign-in screen. A lost increment is logged.
 */
export function countUsage(
  deps: { usage?: UsageRecorder; log: Logger },
  job: Pick<SendJob, 'tenant' | 'eventId'>,
  events: UsageEventLike[],
): void {
  if (!deps.usage || events.length === 0) return;
  const tenant = tenantOf(job);
  deps.usage.record(tenant, events).catch((err: unknown) => {
    deps.log.warn({ tenant, usage: events.map((e) => e.kind).join(','), err }, 'could not count usage');
  });
}

/** A code's settled outcome (`sent`, `failed`, `expired`), counted once per code. */
export function codeUsage(
  job: Pick<SendJob, 'channel' | 'requestType' | 'phoneCountry'>,
  outcome: string,
  provider: string | undefined,
  channel: string = job.channel,
): UsageEventLike {
  return {
    kind: 'code',
    channel,
    requestType: REQUEST_TYPE_LABEL[job.requestType],
    ...(job.phoneCountry ? { country: job.phoneCountry } : {}),
    ...(provider ? { provider } : {}),
    outcome,
  };
}
