import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeMetrics } from './metrics.ts';
import {
  type DrillResult,
  formatMs,
  type RunReport,
  renderJson,
  renderMarkdown,
  renderTable,
} from './report.ts';
import { BASE_THRESHOLDS, evaluate } from './thresholds.ts';

function result(
  name: string,
  overrides: Partial<DrillResult['metrics']> = {},
  notes: string[] = [],
): DrillResult {
  const timeline = { startedAt: 0, faultAt: 2_000, clearAt: 10_000, loadEndAt: 17_000, judgedAt: 19_000 };
  const metrics = {
    ...computeMetrics({
      hooks: [],
      deliveries: [],
      ledger: new Map(),
      timeline,
      primary: 'twilio',
      reroute: 'backup',
    }),
    hooks: 85,
    accepted: 85,
    deliveredBeforeExpiry: 85,
    answers: { SUCCESSFUL: 80, PENDING: 5, FAILED: 0, fallback: 0 },
    p50Ms: 45,
    p99Ms: 2_040,
    rerouteMs: 130,
    recoveryMs: 3_400,
    byProvider: { twilio: 40, vonage: 45 },
    ...overrides,
  };
  const thresholds = { ...BASE_THRESHOLDS, maxRerouteMs: 3_000 };
  const checks = evaluate(metrics, thresholds);
  return {
    name,
    number: '1',
    title: 'Primary provider hard down',
    what: 'Twilio refuses connections.',
    timing: { baselineMs: 2_000, faultMs: 8_000, recoveryMs: 7_000, minDrainMs: 2_000, maxDrainMs: 30_000 },
    timeline,
    thresholds,
    metrics,
    checks,
    pass: checks.every((c) => c.pass),
    notes,
  };
}

function report(scenarios: DrillResult[]): RunReport {
  return {
    startedAt: '2026-11-29T12:00:00.000Z',
    finishedAt: '2026-11-29T12:03:00.000Z',
    mode: 'quick',
    load: { rate: 5, voiceShare: 0.2, expiresInMs: 300_000 },
    system: {
      ingresses: 2,
      smsWorkers: 2,
      voiceWorkers: 1,
      providers: 'twilio,vonage',
      breakerCooldownMs: 3_000,
      budgetMs: 2_000,
    },
    machine: { cpus: 2, node: '24.21.0', platform: 'linux' },
    scenarios,
    pass: scenarios.every((s) => s.pass),
  };
}

describe('report rendering', () => {
  it('formats durations for people', () => {
    assert.equal(formatMs(null), '–');
    assert.equal(formatMs(45.4), '45 ms');
    assert.equal(formatMs(2_040), '2.0 s');
  });

  it('renders an aligned terminal table with one row per drill, and the failed checks under it', () => {
    const text = renderTable(
      report([
        result('provider-down'),
        result('provider-5xx', { lost: 2, duplicates: 1 }, ['ledger unavailable']),
      ]),
    );
    const lines = text.split('\n');
    assert.match(lines[0] ?? '', /^#\s+drill\s+hooks\s+in 3 s\s+p50\s+p99/);
    const down = lines.find((l) => l.includes('provider-down ')) ?? '';
    assert.match(
      down,
      /85\s+100%\s+45 ms\s+2\.0 s\s+80\/5\/0\/0\s+85\/85\s+0\s+0\s+0\s+130 ms\s+3\.4 s\s+PASS$/,
    );
    // Columns line up: right-aligned cells end where their header ends.
    assert.equal(lines[2]?.length, lines[0]?.length);
    assert.match(
      text,
      /provider-5xx:\n {2}FAIL lost: 2 \(threshold ≤ 0\)\n {2}FAIL duplicates: 1 \(threshold ≤ 0\)\n {2}note: ledger unavailable/,
    );
    assert.match(text, /At least one drill missed a threshold/);
  });

  it('renders Markdown with the table, each drill’s checks and notes', () => {
    const md = renderMarkdown(report([result('provider-down', {}, ['a note'])]));
    assert.match(md, /^# Chaos drill report — quick mode/);
    assert.match(md, /\| # \| drill \| hooks \|/);
    assert.match(md, /\| 1 \| provider-down \| 85 \| 100% \|/);
    assert.match(md, /## 1\. Primary provider hard down \(`provider-down`\) — PASS/);
    assert.match(md, /\| lost \| ≤ 0 \| 0 \| ✅ \|/);
    assert.match(md, /Deliveries by provider: twilio 40, vonage 45/);
    assert.match(md, /- a note/);
  });

  it('renders JSON that reads back to the same report', () => {
    const original = report([result('provider-down')]);
    assert.deepEqual(JSON.parse(renderJson(original)), original);
  });
});
