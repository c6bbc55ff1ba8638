/** The drill report: one terminal table, and the same facts as JSON and Markdown. Pure functions. */
import type { FraudMetrics } from './fraud.ts';
import type { ScenarioMetrics } from './metrics.ts';
import type { Timing } from './scenarios.ts';
import type { TenantVerdict } from './tenants.ts';
import type { Check, Thresholds } from './thresholds.ts';
import type { Timeline } from './types.ts';

export interface DrillResult {
  name: string;
  number: string;
  title: string;
  what: string;
  timing: Timing;
  timeline: Timeline;
  thresholds: Thresholds;
  metrics: ScenarioMetrics;
  checks: Check[];
  pass: boolean;
  /** Things worth knowing that are not thresholds (the ledger was unavailable, a step failed…). */
  notes: string[];
  /** Fraud drills: the attack's fate and the legitimate refusals. */
  fraud?: FraudMetrics;
  /** With tenants: each tenant's figures and checks (the drill passes only when every tenant does). */
  tenants?: TenantVerdict[];
}

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  mode: 'quick' | 'full';
  load: { rate: number; voiceShare: number; expiresInMs: number };
  system: {
    ingresses: number;
    smsWorkers: number;
    voiceWorkers: number;
    providers: string;
    /** The customer orgs the traffic was split over (each judged on its own too). */
    tenants?: string[];
    breakerCooldownMs: number;
    budgetMs: number;
  };
  machine: { cpus: number; node: string; platform: string };
  scenarios: DrillResult[];
  pass: boolean;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

const COLUMNS = [
  '#',
  'drill',
  'hooks',
  'in 3 s',
  'p50',
  'p99',
  'SUCC/PEND/FAIL/fallback',
  'delivered',
  'lost',
  'dup',
  'late',
  'reroute',
  'recovery',
  'result',
] as const;

/** One row of facts per drill, as strings, in COLUMNS order. */
export function tableRows(results: readonly DrillResult[]): string[][] {
  // A drill's row, then one row per tenant under it (`· acme`).
  return results.flatMap((r) => [
    row(r.number, r.name, r.metrics, r.checks, r.pass),
    ...(r.tenants ?? []).map((t) => row('', `· ${t.id}`, t.metrics, t.checks, t.pass)),
  ]);
}

function row(
  number: string,
  name: string,
  m: ScenarioMetrics,
  checks: readonly Check[],
  pass: boolean,
): string[] {
  const dupLimit = checks
    .find((c) => c.name === 'duplicates')
    ?.limit.replace(/^≤ /, '')
    .split(' ')[0];
  return [
    number,
    name,
    String(m.hooks),
    `${m.inWindowPct}%`,
    formatMs(m.p50Ms),
    formatMs(m.p99Ms),
    `${m.answers.SUCCESSFUL}/${m.answers.PENDING}/${m.answers.FAILED}/${m.answers.fallback}`,
    `${m.deliveredBeforeExpiry}/${m.accepted}`,
    String(m.lost),
    dupLimit === undefined || dupLimit === '0' ? String(m.duplicates) : `${m.duplicates} (≤${dupLimit})`,
    String(m.deliveredAfterExpiry),
    formatMs(m.rerouteMs),
    formatMs(m.recoveryMs),
    pass ? 'PASS' : 'FAIL',
  ];
}

/** A plain aligned table for the terminal, followed by every failed check. */
export function renderTable(report: RunReport): string {
  const rows = [Array.from(COLUMNS), ...tableRows(report.scenarios)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (i <= 1 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0] ?? []), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  out.push('', legend(report));
  for (const result of report.scenarios) {
    const failed = [
      ...result.checks.filter((c) => !c.pass),
      ...(result.tenants ?? []).flatMap((t) =>
        t.checks.filter((c) => !c.pass).map((c) => ({ ...c, name: `${t.id}: ${c.name}` })),
      ),
    ];
    if (failed.length === 0 && result.notes.length === 0) continue;
    out.push('', `${result.name}:`);
    for (const check of failed) out.push(`  FAIL ${check.name}: ${check.actual} (threshold ${check.limit})`);
    for (const note of result.notes) out.push(`  note: ${note}`);
  }
  out.push(
    '',
    report.pass
      ? 'All drills met their thresholds.'
      : 'At least one drill missed a threshold (exit status 1).',
  );
  return out.join('\n');
}

function legend(report: RunReport): string {
  return [
    `${report.mode} mode, ${report.load.rate} hooks/s (${Math.round(report.load.voiceShare * 100)} % voice), ` +
      `${report.system.ingresses} ingress, ${report.system.smsWorkers} sms- and ${report.system.voiceWorkers} voice-worker, ` +
      `providers ${report.system.providers}, breaker cooldown ${formatMs(report.system.breakerCooldownMs)}.`,
    'delivered = codes that reached the person before expiry / hooks answered SUCCESSFUL or PENDING; ' +
      'late = delivered after expiry; reroute = fault → first rerouted delivery; recovery = fault lifted → Twilio delivering again.',
  ].join('\n');
}

export function renderMarkdown(report: RunReport): string {
  const rows = tableRows(report.scenarios);
  const out = [
    `# Chaos drill report — ${report.mode} mode`,
    '',
    `Run ${report.startedAt} → ${report.finishedAt} on ${report.machine.cpus} CPUs, Node ${report.machine.node} ` +
      `(${report.machine.platform}). **${report.pass ? 'All drills passed.' : 'At least one drill failed.'}**`,
    '',
    legend(report),
    '',
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map((_, i) => (i <= 1 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  for (const result of report.scenarios) {
    const m = result.metrics;
    out.push(
      '',
      `## ${result.number}. ${result.title} (\`${result.name}\`) — ${result.pass ? 'PASS' : 'FAIL'}`,
      '',
      result.what,
      '',
      `Phases: baseline ${formatMs(result.timing.baselineMs)}, fault ${formatMs(result.timeline.clearAt - result.timeline.faultAt)}, ` +
        `recovery ${formatMs(result.timeline.loadEndAt - result.timeline.clearAt)}, drain ${formatMs(result.timeline.judgedAt - result.timeline.loadEndAt)}. ` +
        `Hook → delivery: p50 ${formatMs(m.deliveryP50Ms)}, p99 ${formatMs(m.deliveryP99Ms)}, slowest ${formatMs(m.deliveryMaxMs)}. ` +
        `Deliveries by provider: ${
          Object.entries(m.byProvider)
            .map(([p, n]) => `${p} ${n}`)
            .join(', ') || 'none'
        }. Resent after an undelivered receipt: ${m.resentAfterReceipt}. Reported failed by the ledger: ${m.reportedFailed} ` +
        `(ledger: ${m.ledger}). In flight at the fault: ${m.inFlightAtFault}.` +
        (m.answers.fallback > 0
          ? ` Okta fallbacks by reason: ${Object.entries(m.fallbackReasons)
              .map(([reason, count]) => `${reason} × ${count}`)
              .join(', ')}.`
          : ''),
      '',
      '| check | threshold | measured | |',
      '|---|---|---|---|',
      ...result.checks.map((c) => `| ${c.name} | ${c.limit} | ${c.actual} | ${c.pass ? '✅' : '❌'} |`),
      ...(result.tenants ?? []).flatMap((t) =>
        t.checks.map((c) => `| ${t.id}: ${c.name} | ${c.limit} | ${c.actual} | ${c.pass ? '✅' : '❌'} |`),
      ),
    );
    if (result.notes.length > 0) out.push('', ...result.notes.map((n) => `- ${n}`));
  }
  return `${out.join('\n')}\n`;
}

/** The JSON report: everything measured, lost event ids included (ids only: no codes, no numbers). */
export function renderJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
