import type { GeneratedBlock, Outcome, StepReport } from './steps.ts';

const MARK: Record<Outcome, string> = {
  created: '+',
  updated: '~',
  'already right': '=',
  'would create': '+',
  'would update': '~',
  missing: '!',
  differs: '!',
  right: '=',
  conflict: '!',
};

/** One line per step, details indented below: what setup did, would do, or what status found. */
export function formatReports(reports: readonly StepReport[]): string {
  const width = Math.max(...reports.map((r) => r.outcome.length), 8);
  return reports
    .map((r) => {
      const head = `${MARK[r.outcome]} ${r.outcome.padEnd(width)}  ${r.step}`;
      return [head, ...r.detail.map((d) => `${' '.repeat(width + 4)}${d}`)].join('\n');
    })
    .join('\n');
}

/** Generated values, once, as an env block to paste into byot's configuration. */
export function formatGenerated(blocks: readonly GeneratedBlock[], saved: 'written' | 'printed'): string {
  if (blocks.length === 0) return '';
  const merged: Record<string, string> = {};
  for (const block of blocks) Object.assign(merged, block.env);
  const secret = blocks.some((b) => b.secret);
  const lines = [
    '',
    saved === 'written'
      ? `Generated for byot and saved as the tenant's: ${blocks.map((b) => b.title).join('; ')}`
      : `Generated for byot — add to its environment (.env) and restart hook-ingress${secret ? '; shown only this once' : ''}:`,
  ];
  if (saved === 'printed') {
    for (const [key, value] of Object.entries(merged))
      lines.push(`  ${key}='${value.replaceAll("'", "'\\''")}'`);
  }
  return `${lines.join('\n')}\n`;
}

/** Okta's error objects and the SDK's errors, in one plain line (never a secret: Okta's messages hold none). */
export function describeError(error: unknown): string {
  const e = error as {
    status?: number;
    errorCode?: string;
    errorSummary?: string;
    errorCauses?: { errorSummary?: string }[];
    url?: string;
    message?: string;
    cause?: { code?: string };
  };
  if (e.errorCode) {
    const causes = (e.errorCauses ?? []).map((c) => c.errorSummary).filter(Boolean);
    const where = e.url ? ` (${new URL(e.url).pathname})` : '';
    return `Okta answered ${e.status} ${e.errorCode}: ${e.errorSummary}${causes.length ? ` — ${causes.join('; ')}` : ''}${where}`;
  }
  if (e.status) return `Okta answered HTTP ${e.status}${e.url ? ` for ${new URL(e.url).pathname}` : ''}`;
  if (e.cause?.code) return `cannot reach Okta: ${e.cause.code}`;
  return e.message ?? String(error);
}
