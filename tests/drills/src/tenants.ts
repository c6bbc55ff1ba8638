/**
 * Drills with many orgs (issue 13): every drill's traffic is split over the system's demo tenants, and judged per
 * tenant as well as in total. A delivery belongs to the hook with its phone number (unique within a run), so a
 * tenant's deliveries are those to its hooks' numbers, whatever account or provider carried them.
 */

import type { FraudMetrics } from './fraud.ts';
import { computeMetrics, digitsOf, type MetricsInput, type ScenarioMetrics } from './metrics.ts';
import { type Check, evaluate, type Thresholds } from './thresholds.ts';
import type { HookRecord } from './types.ts';

/** One tenant's share of a drill: its own figures and its own checks. */
export interface TenantVerdict {
  id: string;
  metrics: ScenarioMetrics;
  checks: Check[];
  pass: boolean;
}

/** What a scenario's own checks may look at: the drill's figures for any subset of its hooks. */
export interface JudgeContext {
  tenants: readonly string[];
  metricsOf(filter: (hook: HookRecord) => boolean): ScenarioMetrics;
}

export function judgeContext(input: MetricsInput, tenants: readonly string[]): JudgeContext {
  return {
    tenants,
    metricsOf(filter) {
      const hooks = input.hooks.filter(filter);
      const phones = new Set(hooks.map((h) => digitsOf(h.phone)));
      return computeMetrics({
        ...input,
        hooks,
        deliveries: input.deliveries.filter((d) => phones.has(digitsOf(d.to))),
      });
    },
  };
}

/** Each tenant's figures and checks against its thresholds (a fraud drill's attack split the same way). */
export function judgeTenants(
  context: JudgeContext,
  thresholdsOf: (tenant: string) => Thresholds,
  fraudOf?: (tenant: string) => FraudMetrics,
): TenantVerdict[] {
  return context.tenants.map((id) => {
    const metrics = context.metricsOf((h) => h.tenant === id);
    const checks = evaluate(metrics, thresholdsOf(id), fraudOf?.(id));
    return { id, metrics, checks, pass: checks.every((c) => c.pass) };
  });
}
