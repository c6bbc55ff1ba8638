import { fmtMiB, type Headline, judge, type Section } from '../report.ts';
import type { PeakMemory } from '../rss.ts';

export const RSS_TARGET_BYTES = 200 * 1024 * 1024;

/**
 * Processes shown but not judged: Redis (it grows with the backlog, see 6) and the provider simulator (a test
 * double standing in for Twilio and Vonage, which keeps every message in memory for inspection; byot does not
 * ship it). The target is for the services byot runs: hook-ingress and the workers.
 */
const SHOWN_NOT_JUDGED = new Set(['redis-server', 'provider-sim']);
const judged = (p: PeakMemory) => !p.service.endsWith('(baseline)') && !SHOWN_NOT_JUDGED.has(p.service);

/** 5. Memory: the peak resident set of every service (and baseline) over the whole run, from /proc VmHWM. */
export function memorySection(peaks: readonly PeakMemory[]): {
  section: Section;
  headlines: Headline[];
  raw: PeakMemory[];
} {
  const services = peaks.filter(judged);
  const worst = services.reduce<PeakMemory | undefined>(
    (a, b) => (a && a.peakBytes >= b.peakBytes ? a : b),
    undefined,
  );
  return {
    section: {
      id: 'memory',
      title: '5. Memory: peak RSS per service during the runs',
      setup:
        'VmHWM/VmRSS from /proc/<pid>/status every 500 ms and once more before each process stops; the largest ' +
        'incarnation of each service over all benchmarks.',
      table: {
        columns: ['service', 'peak RSS', 'during', 'target'],
        rows: peaks.map((p) => [
          p.service,
          fmtMiB(p.peakBytes),
          p.during,
          judged(p) ? `< 200 MB: ${judge(p.peakBytes, { atMost: RSS_TARGET_BYTES })}` : '—',
        ]),
      },
      notes: [
        'Redis grows with the backlog (see 6) and the simulator keeps every message it accepted: both are shown, not judged.',
        'Services run compiled (dist/) with the V8 heap bounds of the production image (SERVICE_NODE_FLAGS).',
      ],
    },
    headlines: worst
      ? [
          {
            benchmark: '5. peak RSS, largest service',
            figure: `${worst.service} ${fmtMiB(worst.peakBytes)}`,
            baseline: baselineFigure(peaks),
            target: '< 200 MB each',
            verdict: judge(worst.peakBytes, { atMost: RSS_TARGET_BYTES }),
          },
        ]
      : [],
    raw: [...peaks],
  };
}

function baselineFigure(peaks: readonly PeakMemory[]): string {
  const baselines = peaks.filter((p) => p.service.endsWith('(baseline)'));
  return baselines.length === 0
    ? '—'
    : baselines.map((b) => `${b.service.replace(' (baseline)', '')} ${fmtMiB(b.peakBytes)}`).join(', ');
}
