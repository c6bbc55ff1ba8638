import type { Headline, Section } from '../report.ts';

/** What each benchmark hands to the report. */
export interface BenchmarkResult {
  section: Section;
  headlines: Headline[];
  raw: Record<string, unknown>;
}
