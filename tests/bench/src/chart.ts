import { Resvg } from '@resvg/resvg-js';
import { quantile } from './stats.ts';

/** One latency distribution of a benchmark: every answer time of one target (ms). */
export interface Series {
  label: string;
  latenciesMs: readonly number[];
}

/** A chart panel: the series measured side by side in one benchmark (e.g. baseline and byot). */
export interface Distribution {
  title: string;
  series: Series[];
}

/** Percentiles drawn: log-spaced towards the tail, where the targets are (p99) and where the trouble hides. */
export const PERCENTILES = [
  0, 0.1, 0.25, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995, 0.999, 1,
];
const TICKS = [0, 0.5, 0.9, 0.99, 0.999];
const COLOURS = ['#4c72b0', '#dd8452', '#55a868', '#c44e52', '#8172b3', '#937860'];
const WIDTH = 900;
const PANEL_HEIGHT = 260;
const MARGIN = { left: 70, right: 250, top: 34, bottom: 40 };

/** x position of a percentile on a "nines" scale: −log10(1 − q), p100 drawn just past p99.9. */
export function ninesOf(q: number): number {
  return -Math.log10(Math.max(1e-4, 1 - q));
}

/** A y-axis maximum that reads well (1, 2 or 5 × 10ⁿ) at or above the largest value. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const escapeXml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * The latency distributions as an SVG: one panel per benchmark, latency (ms) against percentile on a nines scale
 * (p0 … p99.9, max), the way tails are compared; the legend gives each series' p50, p99 and max in figures. Pure, so it can be tested; the PNG is its rasterisation.
 */
export function latencyChartSvg(distributions: readonly Distribution[], heading: string): string {
  const panels = distributions.filter((d) => d.series.some((s) => s.latenciesMs.length > 0));
  const height = 40 + Math.max(1, panels.length) * PANEL_HEIGHT;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const xMax = ninesOf(1);
  const x = (q: number) => MARGIN.left + (ninesOf(q) / xMax) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" font-size="16" text-anchor="middle" font-weight="bold">${escapeXml(heading)}</text>`,
  ];
  if (panels.length === 0) {
    parts.push(`<text x="${WIDTH / 2}" y="60" font-size="13" text-anchor="middle">no latency samples</text>`);
  }
  panels.forEach((panel, index) => {
    const top = 40 + index * PANEL_HEIGHT;
    const y0 = top + MARGIN.top + plotH;
    const curves = panel.series
      .filter((s) => s.latenciesMs.length > 0)
      .map((s) => ({
        label: s.label,
        points: PERCENTILES.map((q) => [q, quantile(s.latenciesMs, q)] as const),
      }));
    // Scaled to p99.9, not the maximum: one outlier must not flatten the rest; a clipped max reads as the top edge.
    const yMax = niceCeiling(
      Math.max(...curves.flatMap((c) => c.points.filter(([q]) => q <= 0.999).map(([, v]) => v))),
    );
    const y = (ms: number) => y0 - (Math.min(ms, yMax) / yMax) * plotH;
    parts.push(
      `<text x="${MARGIN.left}" y="${top + 20}" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`,
      `<rect x="${MARGIN.left}" y="${top + MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    );
    for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
      const ms = yMax * fraction;
      parts.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(ms)}" y2="${y(ms)}" stroke="#e5e5e5"/>`,
        `<text x="${MARGIN.left - 6}" y="${y(ms) + 4}" font-size="11" text-anchor="end">${fmtAxisMs(ms)}</text>`,
      );
    }
    for (const q of [...TICKS, 1]) {
      const label = q === 1 ? 'max' : `p${+(q * 100).toFixed(1)}`;
      parts.push(
        `<line x1="${x(q)}" x2="${x(q)}" y1="${top + MARGIN.top}" y2="${y0}" stroke="#e5e5e5"/>`,
        `<text x="${x(q)}" y="${y0 + 16}" font-size="11" text-anchor="middle">${label}</text>`,
      );
    }
    parts.push(
      `<text x="${MARGIN.left + plotW / 2}" y="${y0 + 32}" font-size="11" text-anchor="middle">percentile</text>`,
      `<text x="16" y="${top + MARGIN.top + plotH / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 16 ${top + MARGIN.top + plotH / 2})">latency (ms)</text>`,
    );
    curves.forEach((curve, i) => {
      const colour = COLOURS[i % COLOURS.length];
      const d = curve.points
        .map(([q, v], k) => `${k === 0 ? 'M' : 'L'}${x(q).toFixed(1)},${y(v).toFixed(1)}`)
        .join(' ');
      const ly = top + MARGIN.top + 14 + i * 34;
      const samples = panel.series.find((s) => s.label === curve.label)?.latenciesMs ?? [];
      const figures = `p50 ${fmtAxisMs(quantile(samples, 0.5))}, p99 ${fmtAxisMs(quantile(samples, 0.99))}, max ${fmtAxisMs(quantile(samples, 1))}`;
      parts.push(
        `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`,
        `<line x1="${WIDTH - MARGIN.right + 12}" x2="${WIDTH - MARGIN.right + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="3"/>`,
        `<text x="${WIDTH - MARGIN.right + 36}" y="${ly}" font-size="11">${escapeXml(curve.label)}</text>`,
        `<text x="${WIDTH - MARGIN.right + 36}" y="${ly + 14}" font-size="10" fill="#555">${escapeXml(figures)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function fmtAxisMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${+(ms / 1000).toFixed(2)} s`;
  return ms >= 10 || ms === 0 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

/** The SVG as a PNG (resvg: a Rust renderer shipped prebuilt in its npm package; system fonts for the text). */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
