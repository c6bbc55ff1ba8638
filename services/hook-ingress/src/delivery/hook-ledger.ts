import type { HookAnswerStatus, LedgerIndex } from '@byot/delivery/records';
import type { Logger } from '@byot/observability';
import type { PersonIndexer } from '@byot/sealing';
import type { OktaAnswer } from '../okta/answer.ts';
import type { AcceptedHook } from '../okta/parse-hook.ts';

const STATUS: Record<string, HookAnswerStatus> = {
  SUCCESSFUL: 'SUCCESSFUL',
  PENDING: 'PENDING',
  FAILED: 'FAILED',
  FALLBACK: 'fallback',
};

/**
 * Writes each answered hook into the console's ledger index: the feed row, Okta's answer and when, and the
 * person digests (HMAC of login, user id, last four digits — computed here, where the plain values are, and
 * nothing else of them written). After the answer is sent and never awaited by it: Okta's clock is not ours to
 * spend on the console, and a failure costs a row in the console, never a code.
 */
export class HookLedger {
  readonly #index: LedgerIndex;
  readonly #indexer: PersonIndexer;
  readonly #log: Logger;
  #failing = false;

  constructor(index: LedgerIndex, indexer: PersonIndexer, log: Logger) {
    this.#index = index;
    this.#indexer = indexer;
    this.#log = log;
  }

  record(
    hook: AcceptedHook,
    answer: OktaAnswer & { blockedBy?: string },
    times: { receivedAt: number; answeredAt: number },
    tenant = 'default',
  ): void {
    const status = STATUS[answer.label];
    if (!status) return;
    const digests = this.#indexer.digests(tenant, {
      ...(hook.login !== undefined ? { login: hook.login } : {}),
      ...(hook.userId !== undefined ? { userId: hook.userId } : {}),
      phoneE164: hook.phoneE164,
    });
    const entry = {
      tenant,
      eventId: hook.eventId,
      receivedAt: times.receivedAt,
      channel: hook.channel,
      requestType: hook.requestType,
      phoneMasked: hook.phoneMasked,
      otpExpiresAt: hook.otpExpiresAt,
      answer: status,
      answeredAt: times.answeredAt,
      ...(answer.result?.provider ? { provider: answer.result.provider } : {}),
      ...(answer.reason ? { reason: answer.reason } : {}),
      ...(answer.blockedBy ? { blockedBy: answer.blockedBy } : {}),
    };
    this.#index.recordHook(entry, { ...digests }).then(
      () => {
        this.#failing = false;
      },
      (err: unknown) => {
        // One line per outage, not one per hook.
        if (!this.#failing)
          this.#log.warn({ eventId: hook.eventId, err }, 'could not index the hook for the console');
        this.#failing = true;
      },
    );
  }
}
