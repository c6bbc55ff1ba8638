import { html, type SafeHtml } from './html.ts';

/**
 * Small inline SVG charts drawn on the server: no chart library, no script, nothing the CSP must allow. Colours
 * come from classes in console.css (SVG presentation through the stylesheet, never a style attribute).
 */
export interface MinuteBar {
  /** Epoch minute. */
  minute: number;
  ok: number;
  failed: number;
}

const WIDTH = 240;
/** Bars above, the time axis labels below. */
const BARS = 44;
const HEIGHT = 56;

/** Stacked bars, one per minute: accepted below, failed on top; a scale label with the busiest minute. */
export function minuteBars(bars: MinuteBar[], label: string): SafeHtml {
  const busiest = Math.max(0, ...bars.map((b) => b.ok + b.failed));
  const peak = Math.max(1, busiest);
  const step = WIDTH / Math.max(1, bars.length);
  const barWidth = Math.max(1, step - 1);
  const scale = (n: number) => (n / peak) * (BARS - 10);
  const hhmm = (minute: number) => new Date(minute * 60_000).toISOString().slice(11, 16);
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${label}">
<title>${label}</title>
<line class="axis" x1="0" y1="${BARS + 0.5}" x2="${WIDTH}" y2="${BARS + 0.5}"></line>
${bars.map((b, i) => {
  const x = (i * step).toFixed(1);
  const okHeight = scale(b.ok);
  const failedHeight = scale(b.failed);
  return html`<g><title>${hhmm(b.minute)} UTC: ${b.ok} accepted, ${b.failed} failed</title>${
    b.ok > 0
      ? html`<rect class="ok" x="${x}" y="${(BARS - okHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${okHeight.toFixed(1)}"></rect>`
      : ''
  }${
    b.failed > 0
      ? html`<rect class="bad" x="${x}" y="${(BARS - okHeight - failedHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${failedHeight.toFixed(1)}"></rect>`
      : ''
  }</g>`;
})}
<text class="scale" x="2" y="9">${busiest > 0 ? `peak ${busiest}/min` : 'no sends'}</text>
${bars.length > 0 ? html`<text class="scale" x="0" y="${HEIGHT - 1}">${hhmm((bars[0] as MinuteBar).minute)}</text><text class="scale end" x="${WIDTH}" y="${HEIGHT - 1}">now</text>` : ''}
</svg>`;
}

/** One day of a tenant's usage: codes Okta asked for, and how many of them the fraud controls refused. */
export interface DayBar {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  codes: number;
  blocked: number;
}

const DAY_WIDTH = 640;
const DAY_BARS = 120;
const DAY_HEIGHT = 150;

/** Codes per day as bars (blocked on top, in red), the busiest day as the scale, first and last day labelled. */
export function dayBars(days: DayBar[], label: string): SafeHtml {
  const busiest = Math.max(0, ...days.map((d) => d.codes));
  const peak = Math.max(1, busiest);
  const step = DAY_WIDTH / Math.max(1, days.length);
  const barWidth = Math.max(1, step - 2);
  const scale = (n: number) => (n / peak) * (DAY_BARS - 14);
  const top = DAY_BARS + 14;
  return html`<svg class="chart usage" viewBox="0 0 ${DAY_WIDTH} ${DAY_HEIGHT}" width="${DAY_WIDTH}" height="${DAY_HEIGHT}" role="img" aria-label="${label}">
<title>${label}</title>
<line class="axis" x1="0" y1="${DAY_BARS + 0.5}" x2="${DAY_WIDTH}" y2="${DAY_BARS + 0.5}"></line>
${days.map((d, i) => {
  const x = (i * step + 1).toFixed(1);
  const sent = scale(Math.max(0, d.codes - d.blocked));
  const refused = scale(Math.min(d.blocked, d.codes));
  return html`<g data-day="${d.day}" data-codes="${d.codes}"><title>${d.day}: ${d.codes} codes${d.blocked ? `, ${d.blocked} refused by the fraud controls` : ''}</title>${
    sent > 0
      ? html`<rect class="ok" x="${x}" y="${(DAY_BARS - sent).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${sent.toFixed(1)}"></rect>`
      : ''
  }${
    refused > 0
      ? html`<rect class="bad" x="${x}" y="${(DAY_BARS - sent - refused).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${refused.toFixed(1)}"></rect>`
      : ''
  }${d.codes > 0 ? html`<text class="scale value" x="${(i * step + step / 2).toFixed(1)}" y="${(DAY_BARS - sent - refused - 3).toFixed(1)}">${d.codes}</text>` : ''}</g>`;
})}
<text class="scale" x="2" y="10">${busiest > 0 ? `peak ${busiest} codes/day` : 'no codes'}</text>
${days.length > 0 ? html`<text class="scale" x="0" y="${top}">${(days[0] as DayBar).day}</text><text class="scale end" x="${DAY_WIDTH}" y="${top}">${(days[days.length - 1] as DayBar).day}</text>` : ''}
</svg>`;
}
