import { REQUEST_TYPE_LABEL } from '@byot/contracts';
import type { Logger } from '@byot/observability';
import type { UsageCounters } from '@byot/tenancy';
import type { AcceptedHook } from '../okta/parse-hook.ts';

/**
 * The usage counters the ingress itself can write (issue 13, ADR 0013's counters): the codes it settles without a
 * worker — refused by the fraud controls (`blocked`, by rule) or handed back to Okta before anything was queued
 * (`okta-fallback`) — by channel, request type and destination country. A code that was queued is counted once by
 * the worker that settles it (provider, outcome), so no code is counted twice.
 *
 * Written after Okta's answer and never awaited by it: a failure costs a counter, never a code (logged once per
 * outage).
 */
export class HookUsage {
  readonly #counters: UsageCounters;
  readonly #log: Logger;
  #failing = false;

  constructor(counters: UsageCounters, log: Logger) {
    this.#counters = counters;
    this.#log = log;
  }

  blocked(tenant: string, hook: AcceptedHook, rule: string, at = Date.now()): void {
    const dims = this.#dims(hook);
    this.#write(
      tenant,
      [
        { kind: 'code', ...dims, outcome: 'blocked' },
        { kind: 'blocked', ...dims, rule },
      ],
      at,
    );
  }

  /** Okta sends this code itself: byot took nothing (the queue or the fraud controls could not answer in time). */
  fellBack(tenant: string, hook: AcceptedHook, at = Date.now()): void {
    this.#write(tenant, [{ kind: 'code', ...this.#dims(hook), outcome: 'okta-fallback' }], at);
  }

  #dims(hook: AcceptedHook) {
    return {
      channel: hook.channel,
      requestType: REQUEST_TYPE_LABEL[hook.requestType],
      ...(hook.phoneCountry ? { country: hook.phoneCountry } : {}),
    };
  }

  #write(tenant: string, events: Parameters<UsageCounters['record']>[1][], at: number): void {
    Promise.all(events.map((event) => this.#counters.record(tenant, event, at))).then(
      () => {
        this.#failing = false;
      },
      (err: unknown) => {
        if (!this.#failing) this.#log.warn({ tenant, err }, 'could not count usage');
        this.#failing = true;
      },
    );
  }
}
