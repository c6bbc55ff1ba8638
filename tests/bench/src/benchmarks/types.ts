import type { Distribution } from '../chart.ts';
import type { Headline, Section } from '../report.ts';

/** What each benchmark hands to the report. */
export interface BenchmarkResult {
  section: Section;
  headlines: Headline[];
  raw: Record<string, unknown>;
  /** Latency samples for the chart next to the Markdown table (one panel per entry). */
  distributions?: Distribution[];
}
