import { deliveryIdFor, REQUEST_TYPE_LABEL, scopedEventId } from '@byot/contracts';
import type { DeliveryStore } from '@byot/delivery/records';
import type { FraudGuard, FraudPolicies, FraudVerdict, HoldStarted } from '@byot/fraud';
import type { Logger } from '@byot/observability';
import { answerForBlock, fallbackAnswer, type OktaAnswer } from '../okta/answer.ts';
import type { AcceptedHook } from '../okta/parse-hook.ts';

export interface FraudScreenDeps {
  guard: FraudGuard;
  /** Each tenant's policy (the environment's, merged with its `policy:`); replaced whole on a reload. */
  policies: Pick<FraudPolicies, 'for'>;
  log: Logger;
  metrics?: { blocked(rule: string, tenant: string): void; holdStarted(scope: string, tenant: string): void };
  /** A hung Redis must not hold Okta past its window: give up after this and let Okta send the code. */
  timeoutMs: number;
  /**
   * The delivery ledger, where a block is recorded (GET /v1/deliveries/:eventId shows it; the settled record also
   * stops any job of this eventId from ever sending). Okta's answer does not wait for it; a failure is logged.
   */
  ledger?: Pick<DeliveryStore, 'recordBlock'>;
  /** MAX_OTP_LIFETIME_SECONDS in ms: the record expires with the code's (capped) life, as a dispatched one does. */
  maxOtpLifetimeMs: number;
}

export type Screened = { pass: true } | { pass: false; answer: OktaAnswer };

/**
 * The fraud controls as one step of the hook route, after the body is parsed and before anything is enqueued:
 * a refused code is answered 200 FAILED and never reaches a queue; a control that cannot decide (Redis away or
 * slow) answers "fall back" (503: Okta sends it) — never a silent pass.
 */
export class FraudScreen {
  readonly #deps: FraudScreenDeps;

  constructor(deps: FraudScreenDeps) {
    this.#deps = deps;
  }

  async screen(tenantId: string, hook: AcceptedHook, receivedAt: number): Promise<Screened> {
    const policy = this.#deps.policies.for(tenantId);
    if (!policy) {
      this.#deps.log.error({ tenant: tenantId, eventId: hook.eventId }, 'no fraud policy for this tenant');
      return { pass: false, answer: fallbackAnswer('unknown-tenant') };
    }
    let verdict: FraudVerdict;
    try {
      verdict = await withTimeout(
        this.#deps.guard.check(policy, {
          tenantId,
          eventId: hook.eventId,
          requestType: hook.requestType,
          channel: hook.channel,
          phoneE164: hook.phoneE164,
          phoneMasked: hook.phoneMasked,
          phoneCountry: hook.phoneCountry,
          phoneType: hook.phoneType,
          userId: hook.userId,
          otpExpiresAt: hook.otpExpiresAt,
        }),
        this.#deps.timeoutMs,
      );
    } catch (error) {
      this.#deps.log.warn(
        { tenant: tenantId, eventId: hook.eventId, err: error },
        'fraud controls unavailable: asking Okta to send this code itself',
      );
      return { pass: false, answer: fallbackAnswer('fraud-check-unavailable') };
    }
    if (verdict.allowed) return { pass: true };

    this.#deps.metrics?.blocked(verdict.rule, tenantId);
    if (verdict.holdStarted) this.#alert(verdict.holdStarted, hook);
    // The ledger knows deliveries by their scoped id, as the dispatcher writes them (`acme.<eventId>`).
    const scoped = scopedEventId(tenantId, hook.eventId);
    this.#deps.ledger
      ?.recordBlock(
        {
          eventId: scoped,
          deliveryId: deliveryIdFor(scoped),
          channel: hook.channel,
          requestType: hook.requestType,
          phoneMasked: hook.phoneMasked,
          otpExpiresAt: Math.min(hook.otpExpiresAt, receivedAt + this.#deps.maxOtpLifetimeMs),
        },
        verdict.rule,
        verdict.description,
        receivedAt,
      )
      .catch((error: unknown) =>
        this.#deps.log.warn(
          { tenant: tenantId, eventId: hook.eventId, err: error },
          'could not record the block in the ledger',
        ),
      );
    return { pass: false, answer: answerForBlock(scoped, verdict.rule, verdict.description) };
  }

  /** An anomaly hold started: the operators' alert (error level, once per hold) and its count. */
  #alert(hold: HoldStarted, hook: AcceptedHook): void {
    this.#deps.metrics?.holdStarted(hold.scope, hold.tenantId);
    this.#deps.log.error(
      {
        alert: 'fraud-anomaly-hold',
        tenant: hold.tenantId,
        holdId: hold.id,
        scope: hold.scope,
        destination: hold.label,
        volume: hold.volume,
        baseline: hold.baseline,
        until: new Date(hold.until).toISOString(),
        requestType: REQUEST_TYPE_LABEL[hook.requestType],
      },
      `ALERT anomaly hold: ${hold.scope} ${hold.label} refused until ${new Date(hold.until).toISOString()} ` +
        `(${hold.volume} codes in the window against a baseline of ${hold.baseline}); lift with DELETE /v1/blocks/${hold.id}`,
    );
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`fraud check timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
