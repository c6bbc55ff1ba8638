import { ProviderError, type SendResult } from '@byot/providers';
import { type BreakerGate, UNGATED } from '../breaker.ts';
import { type SendProcessorDeps, type SendRun, toProviderError } from './run.ts';
import type { Route } from './shapes.ts';

/** A provider took the code. */
export interface Acceptance {
  sent: SendResult;
  /** It was not the first route tried in this run. */
  failover: boolean;
  /** With `failover`: the provider tried (or skipped, its breaker open) just before the one that took it. */
  failedOverFrom?: string;
  providerMs: number;
  startedAt: number;
}

export type PassOutcome =
  | { outcome: 'accepted'; acceptance: Acceptance }
  /** This number cannot get the code this way: another provider of the channel would fail the same way. */
  | { outcome: 'permanent'; error: ProviderError }
  /** Nothing took it for now; `afterMs`: the longest a throttling provider asked us to wait, if one did. */
  | { outcome: 'retry'; failure: ProviderError; afterMs?: number };

/** Waiting this long or less for a throttled provider beats failing over to a worse route. */
const SHORT_THROTTLE_MS = 1_000;

type Attempted = { ok: true; acceptance: Acceptance } | { ok: false; error: ProviderError };

/**
 * Step 2 of a send job: one pass over the routes, in order. A provider whose shared breaker is open is skipped; an
 * unavailable one moves the code to the next route at once; a short throttle is waited out on the same provider;
 * a failure that says the number is the problem ends the pass. If every breaker was open, the routes are tried
 * anyway: a breaker exists to prefer a healthy route, not to drop traffic that has no other way out.
 */
export async function routePass(deps: SendProcessorDeps, run: SendRun): Promise<PassOutcome> {
  let lastError: ProviderError | undefined;
  let throttledForMs: number | undefined;
  let tried = 0;
  let previous: string | undefined;
  for (const ignoreBreakers of [false, true]) {
    if (ignoreBreakers && (tried > 0 || run.tooLate())) break;
    for (const route of run.routes) {
      if (run.tooLate()) break;
      const gate =
        deps.breakers && !ignoreBreakers
          ? await deps.breakers.gate(route.provider, run.job.channel, Date.now(), route.credentialSet)
          : UNGATED;
      if (gate.decision === 'skip') {
        skipped(deps, run, route, tried > 0);
        previous = route.provider;
        continue;
      }
      const failover = tried++ > 0;
      const from = previous;
      previous = route.provider;
      const first = await attempt(deps, run, route, gate, failover, from);
      if (first.ok) return { outcome: 'accepted', acceptance: first.acceptance };
      lastError = first.error;
      if (first.error.kind === 'unavailable') continue;
      if (first.error.kind !== 'rate-limited') return { outcome: 'permanent', error: first.error };
      const waitMs = first.error.retryAfterMs ?? SHORT_THROTTLE_MS;
      if (waitMs <= SHORT_THROTTLE_MS && !run.tooLate(Date.now() + waitMs)) {
        await sleep(waitMs);
        const again = await attempt(deps, run, route, gate, failover, from);
        if (again.ok) return { outcome: 'accepted', acceptance: again.acceptance };
        lastError = again.error;
        if (isPermanent(again.error)) return { outcome: 'permanent', error: again.error };
      }
      throttledForMs = Math.max(throttledForMs ?? 0, waitMs);
    }
  }
  const failure =
    lastError ??
    new ProviderError({
      kind: 'unavailable',
      provider: 'all',
      code: 'breaker-open',
      safeMessage: 'every provider is cooling down after failures',
    });
  return { outcome: 'retry', failure, ...(throttledForMs === undefined ? {} : { afterMs: throttledForMs }) };
}

function isPermanent(error: ProviderError): boolean {
  return error.kind === 'destination-permanent' || error.kind === 'bad-request';
}

/**
 * One provider call, with everything it teaches: its breaker hears the result (a success closes it, an outage
 * counts against it, any other answer from a probe proves it is up), and a failure goes to the ledger, the
 * metrics and the log. The same for a first call and for the call after a throttle.
 */
async function attempt(
  deps: SendProcessorDeps,
  run: SendRun,
  route: Route,
  gate: BreakerGate,
  failover: boolean,
  from: string | undefined,
): Promise<Attempted> {
  const channel = run.job.channel;
  const account = route.credentialSet;
  const startedAt = Date.now();
  const started = performance.now();
  let sent: SendResult;
  try {
    sent = await route.send(run.job, run.secrets, run.attempt);
  } catch (thrown) {
    const error = toProviderError(thrown, route.provider);
    reportFailure(deps, run, route, error, {
      providerMs: Math.round(performance.now() - started),
      startedAt,
      failover,
    });
    if (error.kind === 'unavailable')
      await deps.breakers?.recordFailure(route.provider, channel, Date.now(), account);
    else if (gate.decision === 'probe')
      await deps.breakers?.recordSuccess(route.provider, channel, Date.now(), account); // it answered
    return { ok: false, error };
  }
  const providerMs = Math.round(performance.now() - started);
  await deps.breakers?.recordSuccess(route.provider, channel, Date.now(), account, gate);
  const acceptance: Acceptance = {
    sent,
    failover,
    providerMs,
    startedAt,
    ...(from ? { failedOverFrom: from } : {}),
  };
  return { ok: true, acceptance };
}

function reportFailure(
  deps: SendProcessorDeps,
  run: SendRun,
  route: Route,
  error: ProviderError,
  timing: { providerMs: number; startedAt: number; failover: boolean },
): void {
  const { job } = run;
  // The ledger is for people reading it later: failing to write it must not fail a send.
  void deps.store
    .logAttempt(job.eventId, job.otpExpiresAt, {
      provider: route.provider,
      channel: job.channel,
      ...(route.credentialSet === undefined ? {} : { credentialSet: route.credentialSet }),
      startedAt: timing.startedAt,
      finishedAt: timing.startedAt + timing.providerMs,
      result: 'error',
      errorKind: error.kind,
      errorCode: error.code,
    })
    .catch((err: unknown) => {
      deps.log.warn({ eventId: job.eventId, err }, 'could not record a failed attempt in the ledger');
    });
  deps.onAttempt?.({
    provider: route.provider,
    channel: job.channel,
    outcome: error.kind,
    durationMs: timing.providerMs,
    failover: timing.failover,
    ...attemptLabels(run, route),
  });
  deps.log.warn(
    {
      ...run.context,
      attempt: run.attempt,
      provider: route.provider,
      errorKind: error.kind,
      errorCode: error.code,
      providerMs: timing.providerMs,
      failover: timing.failover,
      reason: error.message,
    },
    'provider attempt failed',
  );
}

function skipped(deps: SendProcessorDeps, run: SendRun, route: Route, failover: boolean): void {
  deps.onAttempt?.({
    provider: route.provider,
    channel: run.job.channel,
    outcome: 'skipped-open',
    durationMs: 0,
    failover,
    ...attemptLabels(run, route),
  });
  deps.log.info(
    { ...run.context, attempt: run.attempt, provider: route.provider },
    'provider skipped: breaker open',
  );
}

/** The tenant and account an attempt is counted under (the console's per-route figures). */
export function attemptLabels(
  run: SendRun,
  route: Route | undefined,
): { tenant: string; credentialSet?: string } {
  return {
    tenant: run.tenant,
    ...(route?.credentialSet === undefined ? {} : { credentialSet: route.credentialSet }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
