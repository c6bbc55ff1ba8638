import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeMetrics, type ScenarioMetrics } from './metrics.ts';
import { ALL_SCENARIOS, SCENARIOS } from './scenarios.ts';
import { BASE_THRESHOLDS, evaluate } from './thresholds.ts';

function cleanMetrics(overrides: Partial<ScenarioMetrics> = {}): ScenarioMetrics {
  const empty = computeMetrics({
    hooks: [],
    deliveries: [],
    ledger: new Map(),
    timeline: { startedAt: 0, faultAt: 0, clearAt: 0, loadEndAt: 0, judgedAt: 0 },
    primary: 'twilio',
    reroute: 'backup',
  });
  return {
    ...empty,
    hooks: 100,
    answers: { SUCCESSFUL: 100, PENDING: 0, FAILED: 0, fallback: 0 },
    ...overrides,
  };
}

const failed = (metrics: ScenarioMetrics, thresholds = BASE_THRESHOLDS) =>
  evaluate(metrics, thresholds)
    .filter((c) => !c.pass)
    .map((c) => c.name);

describe('evaluate', () => {
  it('passes a clean drill', () => {
    assert.deepEqual(failed(cleanMetrics()), []);
  });

  it('judges a Redis failover by the span of traffic handed back to Okta, not its share', () => {
    const thresholds = { ...BASE_THRESHOLDS, maxFallbackPct: 100, maxFallbackWindowMs: 3_500 };
    const answers = { SUCCESSFUL: 50, PENDING: 0, FAILED: 0, fallback: 12 };
    assert.deepEqual(failed(cleanMetrics({ answers, fallbackWindowMs: 2_200 }), thresholds), []);
    assert.deepEqual(failed(cleanMetrics({ answers, fallbackWindowMs: 9_600 }), thresholds), [
      'Okta fallback window',
    ]);
  });

  it('fails on any lost code, late delivery, wrong code, duplicate or FAILED answer', () => {
    assert.deepEqual(failed(cleanMetrics({ lost: 1 })), ['lost']);
    assert.deepEqual(failed(cleanMetrics({ deliveredAfterExpiry: 1 })), ['delivered after expiry']);
    assert.deepEqual(failed(cleanMetrics({ wrongCode: 1 })), ['wrong code']);
    assert.deepEqual(failed(cleanMetrics({ duplicates: 1 })), ['duplicates']);
    assert.deepEqual(
      failed(cleanMetrics({ answers: { SUCCESSFUL: 99, PENDING: 0, FAILED: 1, fallback: 0 } })),
      ['FAILED answers'],
    );
  });

  it('bounds duplicates by what was in flight at the fault when the drill says so', () => {
    const thresholds = { ...BASE_THRESHOLDS, maxDuplicates: 'in-flight' as const };
    assert.deepEqual(failed(cleanMetrics({ duplicates: 3, inFlightAtFault: 3 }), thresholds), []);
    const checks = evaluate(cleanMetrics({ duplicates: 4, inFlightAtFault: 3 }), thresholds);
    const dup = checks.find((c) => c.name === 'duplicates');
    assert.equal(dup?.pass, false);
    assert.equal(dup?.limit, '≤ 3 (in flight at the fault)');
  });

  it('checks the window, the fallback share, and skips the fallback check when falling back is the design', () => {
    const slow = cleanMetrics({
      inWindowPct: 98.5,
      answers: { SUCCESSFUL: 98, PENDING: 0, FAILED: 0, fallback: 2 },
    });
    assert.deepEqual(failed(slow), ['answered inside 3 s', 'Okta fallback']);
    assert.deepEqual(failed(slow, { ...BASE_THRESHOLDS, minInWindowPct: 98, maxFallbackPct: 100 }), []);
  });

  it('a timed check with nothing measured fails ("none seen")', () => {
    const checks = evaluate(cleanMetrics({ rerouteMs: null, recoveryMs: 4_000 }), {
      ...BASE_THRESHOLDS,
      maxRerouteMs: 3_000,
      maxRecoveryMs: 5_000,
    });
    assert.deepEqual(
      checks.filter((c) => c.name.startsWith('fault')).map((c) => [c.name, c.actual, c.pass]),
      [
        ['fault → rerouted delivery', 'none seen', false],
        ['fault lifted → recovery', '4000 ms', true],
      ],
    );
  });

  it('checks the PENDING share of the fault phase', () => {
    const thresholds = { ...BASE_THRESHOLDS, minFaultPendingPct: 90 };
    const pending = cleanMetrics({ faultAnswers: { SUCCESSFUL: 1, PENDING: 19, FAILED: 0, fallback: 0 } });
    assert.deepEqual(failed(pending, thresholds), []);
    const notPending = cleanMetrics({ faultAnswers: { SUCCESSFUL: 5, PENDING: 15, FAILED: 0, fallback: 0 } });
    assert.deepEqual(failed(notPending, thresholds), ['PENDING during the fault']);
  });
});

describe('scenarios', () => {
  it('cover the chaos issue’s eight scenarios, the two SMS-pumping drills and the two Redis failovers (issue 17) with unique names, and never tolerate a lost or late code', () => {
    const names = SCENARIOS.map((s) => s.name);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(
      [...new Set(SCENARIOS.map((s) => s.number.replace(/[ab]$/, '')))],
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '17'],
    );
    // The tenancy drills (issue 13) come after them, numbered on.
    assert.deepEqual(
      ALL_SCENARIOS.slice(SCENARIOS.length).map((s) => `${s.number} ${s.name}`),
      ['10 noisy-neighbour', '11 tenant-account-suspended'],
    );
    for (const quick of [true, false]) {
      const mode = { quick, breakerCooldownMs: quick ? 3_000 : 15_000 };
      for (const scenario of ALL_SCENARIOS) {
        const t = scenario.thresholds(mode);
        assert.equal(t.maxLost, 0, scenario.name);
        assert.equal(t.maxDeliveredAfterExpiry, 0, scenario.name);
        const timing = scenario.timing(mode);
        // A recovery bound longer than the recovery phase could never be met.
        if (t.maxRecoveryMs !== undefined) assert.ok(t.maxRecoveryMs <= timing.recoveryMs, scenario.name);
        // A recovery phase that ends on its condition still has its fixed bounds in the right order.
        if (timing.minRecoveryMs !== undefined)
          assert.ok(timing.minRecoveryMs <= timing.recoveryMs, scenario.name);
        // A failover window longer than the fault could never be seen whole.
        if (t.maxFallbackWindowMs !== undefined)
          assert.ok(t.maxFallbackWindowMs < timing.faultMs, scenario.name);
      }
    }
  });
});
