/** Pass thresholds, stated per drill before it runs, and their evaluation against what was measured. */
import type { FraudMetrics } from './fraud.ts';
import type { ScenarioMetrics } from './metrics.ts';

export interface Thresholds {
  /** Accepted codes that never reached the person and were not reported failed. Always 0. */
  maxLost: number;
  /** Always 0: a code sent after its expiry is useless and confusing. */
  maxDeliveredAfterExpiry: number;
  /** Always 0. */
  maxWrongCode: number;
  /**
   * Duplicates allowed: a number, or `in-flight` — at most the sends in flight at the fault (ADR 0003's crash
   * window: a process killed between the provider's acceptance and the record's settlement).
   */
  maxDuplicates: number | 'in-flight';
  /** Share of hooks answered (any HTTP status) inside Okta's 3 s window. */
  minInWindowPct: number;
  /** Share of hooks Okta had to send itself (non-200, timeout). 100 when falling back is the designed answer. */
  maxFallbackPct: number;
  /**
   * FAILED answers: every number in a drill is valid, so FAILED means a person was refused a code. In a fraud
   * drill these count legitimate hooks only; `hold-collateral`: only refusals by the hold on the attacked destination.
   */
  maxFailed: number | 'hold-collateral';
  /** Fraud drills: share of attack codes that never reached a provider. */
  minAttackBlockedPct?: number;
  /** Fraud drills: the rule that must have refused attack codes (e.g. the country hold). */
  requireHold?: string;
  /** Fault to first rerouted delivery. */
  maxRerouteMs?: number;
  /** Fault lifted to the primary delivering again. */
  maxRecoveryMs?: number;
  /** The span of traffic answered with a fallback (a Redis failover's window, ADR 0017). */
  maxFallbackWindowMs?: number;
  /** Share of the hooks sent during the fault answered PENDING (a slow provider must not hold Okta past 3 s). */
  minFaultPendingPct?: number;
}

export const BASE_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  maxLost: 0,
  maxDeliveredAfterExpiry: 0,
  maxWrongCode: 0,
  maxDuplicates: 0,
  minInWindowPct: 99,
  maxFallbackPct: 0,
  maxFailed: 0,
});

export interface Check {
  name: string;
  limit: string;
  actual: string;
  pass: boolean;
}

export function evaluate(metrics: ScenarioMetrics, thresholds: Thresholds, fraud?: FraudMetrics): Check[] {
  const checks: Check[] = [];
  const atMost = (name: string, actual: number | null, limit: number, unit = ''): void => {
    checks.push({
      name,
      limit: `≤ ${limit}${unit}`,
      actual: actual === null ? 'none seen' : `${actual}${unit}`,
      pass: actual !== null && actual <= limit,
    });
  };
  const atLeast = (name: string, actual: number, limit: number, unit = ''): void => {
    checks.push({ name, limit: `≥ ${limit}${unit}`, actual: `${actual}${unit}`, pass: actual >= limit });
  };
  atMost('lost', metrics.lost, thresholds.maxLost);
  atMost('delivered after expiry', metrics.deliveredAfterExpiry, thresholds.maxDeliveredAfterExpiry);
  atMost('wrong code', metrics.wrongCode, thresholds.maxWrongCode);
  const dupLimit =
    thresholds.maxDuplicates === 'in-flight' ? metrics.inFlightAtFault : thresholds.maxDuplicates;
  checks.push({
    name: 'duplicates',
    limit:
      thresholds.maxDuplicates === 'in-flight'
        ? `≤ ${dupLimit} (in flight at the fault)`
        : `≤ ${thresholds.maxDuplicates}`,
    actual: String(metrics.duplicates),
    pass: metrics.duplicates <= dupLimit,
  });
  atLeast('answered inside 3 s', metrics.inWindowPct, thresholds.minInWindowPct, '%');
  const fallbackPct = metrics.hooks === 0 ? 0 : round1((metrics.answers.fallback / metrics.hooks) * 100);
  if (thresholds.maxFallbackPct < 100) atMost('Okta fallback', fallbackPct, thresholds.maxFallbackPct, '%');
  if (thresholds.maxFailed === 'hold-collateral') {
    const outside = metrics.answers.FAILED - (fraud?.legitRefusedByHold ?? 0);
    checks.push({
      name: 'legitimate codes refused',
      limit: '0 outside the hold (its collateral counted)',
      actual: `${outside} outside, ${fraud?.legitRefusedByHold ?? 0} by the hold`,
      pass: outside === 0,
    });
  } else {
    atMost(
      fraud ? 'legitimate codes refused' : 'FAILED answers',
      metrics.answers.FAILED,
      thresholds.maxFailed,
    );
  }
  if (thresholds.minAttackBlockedPct !== undefined) {
    atLeast(
      'attack codes kept from providers',
      fraud?.attackBlockedPct ?? 0,
      thresholds.minAttackBlockedPct,
      '%',
    );
    atLeast('attack hooks answered inside 3 s', fraud?.attackInWindowPct ?? 0, 100, '%');
  }
  if (thresholds.requireHold !== undefined) {
    const held = fraud?.attackRefusedBy[thresholds.requireHold] ?? 0;
    checks.push({
      name: 'caught by the anomaly hold',
      limit: '> 0 attack codes',
      actual: String(held),
      pass: held > 0,
    });
  }
  if (thresholds.maxRerouteMs !== undefined)
    atMost('fault → rerouted delivery', metrics.rerouteMs, thresholds.maxRerouteMs, ' ms');
  if (thresholds.maxFallbackWindowMs !== undefined)
    atMost('Okta fallback window', metrics.fallbackWindowMs, thresholds.maxFallbackWindowMs, ' ms');
  if (thresholds.maxRecoveryMs !== undefined)
    atMost('fault lifted → recovery', metrics.recoveryMs, thresholds.maxRecoveryMs, ' ms');
  if (thresholds.minFaultPendingPct !== undefined) {
    const faultHooks = Object.values(metrics.faultAnswers).reduce((sum, n) => sum + n, 0);
    const pct = faultHooks === 0 ? 0 : round1((metrics.faultAnswers.PENDING / faultHooks) * 100);
    atLeast('PENDING during the fault', pct, thresholds.minFaultPendingPct, '%');
  }
  return checks;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
