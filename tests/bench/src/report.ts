/** The benchmark report as data, and its two renderings: a plain-text table for the terminal and Markdown. */

export type Verdict = 'met' | 'missed' | 'not judged';

export interface Table {
  columns: string[];
  rows: string[][];
}

/** One line of the headline table: a figure, its baseline from the same run, and the target it is judged by. */
export interface Headline {
  benchmark: string;
  figure: string;
  baseline: string;
  target: string;
  verdict: Verdict;
}

export interface Section {
  id: string;
  title: string;
  /** How it was measured: load, rates, durations (printed above the table). */
  setup: string;
  table: Table;
  notes: string[];
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; redis: string };
  headlines: Headline[];
  sections: Section[];
  /** Every measured number, for the JSON file. */
  raw: Record<string, unknown>;
}

// ── number formatting: NaN / undefined print as a dash, never as "NaN" ──────────────────────────────────────────

const missing = (n: number | undefined): n is undefined => n === undefined || !Number.isFinite(n);

export function fmtMs(n: number | undefined): string {
  if (missing(n)) return '—';
  return n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(1)} ms`;
}

export function fmtRate(n: number | undefined, unit = '/s'): string {
  if (missing(n)) return '—';
  return `${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1)}${unit}`;
}

/** CPU time per unit of work (ms, from /proc): µs below 1 ms, where most per-request costs are. */
export function fmtCpu(ms: number | undefined): string {
  if (missing(ms)) return '—';
  return ms < 1 ? `${Math.round(ms * 1000)} µs` : `${ms.toFixed(2)} ms`;
}

export function fmtPct(share: number | undefined): string {
  return missing(share) ? '—' : `${(share * 100).toFixed(share >= 0.995 || share === 0 ? 0 : 1)}%`;
}

export function fmtRatio(n: number | undefined): string {
  return missing(n) ? '—' : n.toFixed(2);
}

export function fmtMiB(bytes: number | undefined): string {
  return missing(bytes) ? '—' : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** met / missed against a threshold; "not judged" when the figure could not be measured. */
export function judge(value: number | undefined, target: { atLeast?: number; atMost?: number }): Verdict {
  if (missing(value)) return 'not judged';
  if (target.atLeast !== undefined && value < target.atLeast) return 'missed';
  if (target.atMost !== undefined && value > target.atMost) return 'missed';
  return 'met';
}

// ── rendering ────────────────────────────────────────────────────────────────────────────────────────────────────

export function headlineTable(headlines: readonly Headline[]): Table {
  return {
    columns: ['benchmark', 'byot', 'baseline (same run)', 'target', 'verdict'],
    rows: headlines.map((h) => [h.benchmark, h.figure, h.baseline, h.target, h.verdict]),
  };
}

/** Columns padded to their widest cell; numbers are left as the formatters made them. */
export function renderTextTable(table: Table): string {
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...table.rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(table.columns), widths.map((w) => '─'.repeat(w)).join('  '), ...table.rows.map(line)].join(
    '\n',
  );
}

const escapeCell = (cell: string) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderMarkdownTable(table: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(table.columns), line(table.columns.map(() => '---')), ...table.rows.map(line)].join('\n');
}

function machineLine(report: Report): string {
  const m = report.machine;
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, Redis ${m.redis}`;
}

export function renderText(report: Report): string {
  const parts = [
    `byot benchmarks — ${report.startedAt}${report.quick ? ' (quick: indicative only)' : ''}`,
    machineLine(report),
    '',
    renderTextTable(headlineTable(report.headlines)),
  ];
  for (const section of report.sections) {
    parts.push('', `${section.title}`, `  ${section.setup}`, renderTextTable(section.table));
    for (const note of section.notes) parts.push(`  · ${note}`);
  }
  return `${parts.join('\n')}\n`;
}

/** `chart`: the PNG of the latency distributions, beside the Markdown file (linked under the headline table). */
export function renderMarkdown(report: Report, chart?: string): string {
  const parts = [
    `# byot benchmarks`,
    '',
    `Run ${report.startedAt} → ${report.finishedAt}${report.quick ? ' — **quick mode: indicative only**' : ''}.`,
    `Machine: ${machineLine(report)}. Everything on loopback; every baseline measured in the same run.`,
    '',
    renderMarkdownTable(headlineTable(report.headlines)),
  ];
  if (chart) parts.push('', `![Latency distributions, percentile by percentile](${chart})`);
  for (const section of report.sections) {
    parts.push('', `## ${section.title}`, '', section.setup, '', renderMarkdownTable(section.table));
    if (section.notes.length > 0) parts.push('', ...section.notes.map((note) => `- ${note}`));
  }
  return `${parts.join('\n')}\n`;
}
