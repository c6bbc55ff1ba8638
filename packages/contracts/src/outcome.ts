import type { OktaActionResult } from './okta-hook.ts';

/**
 * What became of a send, as the worker reports it to the ingress (and to duplicates of the same hook).
 * - accepted: a provider took the message or call (Okta: SUCCESSFUL).
 * - failed: it can never be delivered (invalid number, blocked, expired) (Okta: FAILED).
 * - fallback: the ingress told Okta to use its own providers; we must never send this OTP.
 */
export type DeliveryOutcome =
  | { kind: 'accepted'; eventId: string; provider: string; providerMessageId: string; at: number }
  | { kind: 'failed'; eventId: string; reason: string; provider?: string; at: number }
  | { kind: 'fallback'; eventId: string; reason: string; at: number };

/** Okta's provider field: an upper-case provider name, e.g. "TWILIO". */
export function oktaProviderName(provider: string): string {
  return provider.toUpperCase();
}

export function outcomeToOktaResult(
  outcome: DeliveryOutcome | undefined,
  deliveryId: string,
  elapsedMs: number,
): OktaActionResult | undefined {
  if (!outcome) {
    return {
      status: 'PENDING',
      transactionId: deliveryId,
      transactionMetadata: `queued; waited=${elapsedMs}ms`,
    };
  }
  switch (outcome.kind) {
    case 'accepted':
      return {
        status: 'SUCCESSFUL',
        provider: oktaProviderName(outcome.provider),
        transactionId: outcome.providerMessageId,
        transactionMetadata: `Duration=${elapsedMs}ms`,
      };
    case 'failed':
      return {
        status: 'FAILED',
        ...(outcome.provider ? { provider: oktaProviderName(outcome.provider) } : {}),
        transactionId: deliveryId,
        transactionMetadata: outcome.reason,
      };
    case 'fallback':
      return undefined;
  }
}
