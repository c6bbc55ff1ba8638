import type { FaultConfig } from '../faults/fault-config.ts';
import { escapeHtml } from '../lib/html.ts';
import type { ProviderName } from '../providers.ts';
import type { StoreStats } from '../store/record-store.ts';
import type { AcceptedRecord, RejectedRecord } from '../store/records.ts';

export interface InboxView {
  /** Newest first. */
  delivered: readonly AcceptedRecord[];
  /** Newest first. */
  refused: readonly RejectedRecord[];
  stats: StoreStats;
  faults: Readonly<Record<ProviderName, FaultConfig>>;
}

/** Seconds between reloads: quick enough to feel like a phone, slow enough to read. */
const REFRESH_SECONDS = 2;

/**
 * Security headers for the page. Everything on it came from HTTP clients and is escaped; the CSP is the second
 * line of defence (no scripts at all, only the inline stylesheet below).
 */
export const INBOX_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.meta{color:#666;margin:0 0 1rem}
.faults{background:#fff3cd;border:1px solid #e0c060;padding:.5rem .75rem;border-radius:6px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e5e5e5;padding:.4rem .6rem;text-align:left;vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;color:#666}
td.content{white-space:pre-wrap;font-family:ui-monospace,monospace}
.small{color:#666;font-size:.85rem}.empty{color:#888;font-style:italic}
`;

function time(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 23)} UTC`;
}

function deliveredRow(record: AcceptedRecord): string {
  let content: string;
  let details: string;
  if (record.channel === 'voice') {
    if (record.speech) {
      content = record.speech.text === '' ? '(nothing spoken)' : record.speech.text;
      const loops = record.speech.loops === 0 ? 'loops until hang-up' : `loop ${record.speech.loops}`;
      details = `${record.speech.language} · ${record.speech.voice} · ${loops}`;
    } else {
      content = record.url
        ? `(TwiML fetched from ${record.url}, not simulated)`
        : '(TwiML application, not simulated)';
      details = '';
    }
  } else {
    content = record.body ?? '';
    details = `${record.numSegments ?? 1} segment(s)`;
  }
  return `<tr>
<td>${escapeHtml(time(record.receivedAt))}</td>
<td>${escapeHtml(record.channel)}</td>
<td>${escapeHtml(record.to)}</td>
<td>${escapeHtml(record.from ?? record.messagingServiceSid ?? '')}</td>
<td class="content">${escapeHtml(content)}</td>
<td class="small">${escapeHtml(details)}<br>${escapeHtml(record.sid)} · ${escapeHtml(record.status)}</td>
</tr>`;
}

function refusedRow(record: RejectedRecord): string {
  const what = record.fault ? `${record.outcome} (${record.fault})` : record.outcome;
  return `<tr>
<td>${escapeHtml(time(record.receivedAt))}</td>
<td>${escapeHtml(record.channel)}</td>
<td>${escapeHtml(record.to ?? '')}</td>
<td>${escapeHtml(what)}</td>
<td>${escapeHtml(record.httpStatus === null ? 'no answer' : String(record.httpStatus))}</td>
<td>${escapeHtml(record.errorCode === null ? '' : String(record.errorCode))}</td>
<td class="small">${escapeHtml(record.errorMessage)}</td>
</tr>`;
}

function faultBanner(faults: InboxView['faults']): string {
  const active = Object.entries(faults).filter(([, config]) => Object.keys(config).length > 0);
  if (active.length === 0) return '';
  const items = active.map(([provider, config]) => `${provider}: ${JSON.stringify(config)}`);
  return `<p class="faults">Faults injected — ${escapeHtml(items.join('; '))}</p>`;
}

/** The "phone" a newcomer watches: what each provider delivered, newest first, and what it refused. */
export function renderInbox(view: InboxView): string {
  const { totals } = view.stats;
  const delivered =
    view.delivered.length === 0
      ? '<tr><td colspan="6" class="empty">Nothing yet. Send an SMS or place a call through the simulator.</td></tr>'
      : view.delivered.map(deliveredRow).join('\n');
  const refused =
    view.refused.length === 0
      ? '<tr><td colspan="7" class="empty">None.</td></tr>'
      : view.refused.map(refusedRow).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>provider-sim inbox</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Simulated phone</h1>
<p class="meta">Refreshes every ${REFRESH_SECONDS} s · ${totals.accepted} delivered, ${totals.rejected} rejected, ${totals.faulted} faulted since ${escapeHtml(time(view.stats.since))} · JSON: <a href="/sim/messages">/sim/messages</a>, <a href="/sim/stats">/sim/stats</a></p>
${faultBanner(view.faults)}
<table>
<thead><tr><th>Time</th><th>Channel</th><th>To</th><th>From</th><th>Message / speech</th><th>Details</th></tr></thead>
<tbody>
${delivered}
</tbody>
</table>
<h2>Refused requests</h2>
<table>
<thead><tr><th>Time</th><th>Channel</th><th>To</th><th>Outcome</th><th>HTTP</th><th>Code</th><th>Message</th></tr></thead>
<tbody>
${refused}
</tbody>
</table>
</body>
</html>
`;
}
