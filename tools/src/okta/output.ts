import type { Outcome, StepReport } from './steps.ts';

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
    /** node-fetch (under the SDK) puts a system error's code on the error itself. */
    type?: string;
    code?: string;
  };
  if (e.errorCode) {
    const causes = (e.errorCauses ?? []).map((c) => c.errorSummary).filter(Boolean);
    const where = e.url ? ` (${new URL(e.url).pathname})` : '';
    return `Okta answered ${e.status} ${e.errorCode}: ${e.errorSummary}${causes.length ? ` — ${causes.join('; ')}` : ''}${where}`;
  }
  if (e.status) return `Okta answered HTTP ${e.status}${e.url ? ` for ${new URL(e.url).pathname}` : ''}`;
  const code = e.cause?.code ?? (e.type === 'system' ? e.code : undefined);
  if (code) return `cannot reach Okta: ${code}`;
  return e.message ?? String(error);
}
