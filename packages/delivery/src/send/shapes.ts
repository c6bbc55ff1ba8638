/**
 * The shapes a channel plugs into the send loop: its routes (one per provider, in the operator's order) and its
 * escalations, and what the loop reports back (each attempt, and the run's result).
 */
import type { SendJob, SendSecrets } from '@byot/contracts';
import type { ProviderError, SendResult } from '@byot/providers';

/** Sends one attempt through a provider. Throws ProviderError on failure. */
export type AttemptSender = (job: SendJob, secrets: SendSecrets, attempt: number) => Promise<SendResult>;

/** One provider able to deliver this channel, in the operator's order of preference. */
export interface Route {
  provider: string;
  /**
   * Which of the provider's accounts this route sends with (a short digest, never a secret): breakers are kept
   * per provider AND credential set, so one tenant's suspended subaccount opens that account's breaker only.
   * Absent: the single-org (`default`) tenant's account, on today's breaker keys.
   */
  credentialSet?: string;
  send: AttemptSender;
}

/** What one delivery is sent with: its tenant's routes and escalations (built from that tenant's accounts only). */
export interface Routing {
  tenant: string;
  routes: Route[];
  escalations: Escalation[];
}

/** Where a code goes when no route of its channel can ever deliver it (e-mail, another channel). */
export interface Escalation {
  /** A short label for logs and the record, e.g. "voice" or "email:sendgrid". */
  name: string;
  /** The channel it delivers on itself, for the ledger ('email'); default the job's. */
  channel?: 'email';
  /** Whether it applies to this delivery and failure (e.g. only to an e-mail login, only for landlines). */
  appliesTo(job: SendJob, secrets: SendSecrets, failure: ProviderError | undefined): boolean;
  /**
   * 'handed-over': another worker now owns the delivery (e.g. a voice job was queued);
   * a SendResult: the escalation itself delivered it.
   */
  run(job: SendJob, secrets: SendSecrets): Promise<'handed-over' | SendResult>;
}

/** One provider attempt, as metrics see it (bounded labels only). */
export interface AttemptEvent {
  provider: string;
  channel: string;
  outcome: 'accepted' | ProviderError['kind'] | 'skipped-open';
  durationMs: number;
  failover: boolean;
  /** Whose delivery (a bounded label) and which account of the provider: the console's per-route figures. */
  tenant?: string;
  credentialSet?: string;
}

/** What one run of a send job came to (a rescheduled run throws BullMQ's DelayedError instead). */
export type ProcessResult =
  | { result: 'accepted'; provider: string; providerMessageId: string }
  | { result: 'failed' | 'expired'; reason: string }
  | { result: 'handed-over'; to: string }
  | { result: 'skipped'; state: string };
