import type { Channel, NormalisedStatus } from '@byot/contracts';
import type { BreakerTransition } from './breaker.ts';
import type { AttemptEvent } from './send/shapes.ts';

/**
 * What a channel worker observes about deliveries, for metrics and traces. Every field is a bounded label
 * (provider, channel, status, cause) or a number: never an id, a phone number or a code.
 * Handlers run inline on the delivery path: they must be cheap and must not throw.
 */
export interface DeliveryEvents {
  /** Each provider attempt: accepted, failed by kind, or skipped because its breaker is open. */
  attempt?(event: AttemptEvent): void;
  /** A provider's shared breaker changed state (seen by the replica that changed it). */
  breaker?(transition: BreakerTransition): void;
  /** A verified status callback reached the ledger; `applied` is false for duplicates and stale reports. */
  receipt?(event: {
    provider: string;
    channel: Channel | 'email';
    status: NormalisedStatus;
    applied: boolean;
    /** Whose delivery (the scoped event id's tenant; `default` when bare): a bounded label. */
    tenant?: string;
    /** The provider account that sent the attempt (its credential set); absent for the default tenant's. */
    credentialSet?: string;
  }): void;
  /** The first confirmed delivery of a code: from Okta's hook to the provider's delivered/answered report. */
  delivered?(event: {
    provider: string;
    channel: Channel | 'email';
    latencyMs: number;
    tenant?: string;
  }): void;
  /** A receipt (or a receipt that never came) sent the code on to another route. */
  receiptFailover?(event: { channel: Channel; fromProvider: string; cause: string; tenant?: string }): void;
  /** A code whose time ran out before any route could deliver it. */
  expiredUndelivered?(event: { channel: Channel; tenant?: string }): void;
}

/** Several observers as one: each handler of each observer runs, in order. */
export function combineDeliveryEvents(...observers: (DeliveryEvents | undefined)[]): DeliveryEvents {
  const present = observers.filter((o): o is DeliveryEvents => o !== undefined);
  const each =
    <K extends keyof DeliveryEvents>(name: K) =>
    (event: Parameters<NonNullable<DeliveryEvents[K]>>[0]) => {
      for (const observer of present) (observer[name] as ((e: typeof event) => void) | undefined)?.(event);
    };
  return {
    attempt: each('attempt'),
    breaker: each('breaker'),
    receipt: each('receipt'),
    delivered: each('delivered'),
    receiptFailover: each('receiptFailover'),
    expiredUndelivered: each('expiredUndelivered'),
  };
}
