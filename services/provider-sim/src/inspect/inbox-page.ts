import type { CallbackDelivery } from '../callbacks/dispatcher.ts';
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
  /** Status callbacks, newest first. */
  callbacks?: readonly CallbackDelivery[];
  /** A person's name for an account (a Twilio subaccount's friendly name), if the simulator knows one. */
  accountName?: (provider: ProviderName, accountSid: string) => string | undefined;
}

/**
 * Which of byot's tenants sent a message: byot asks for status callbacks on the tenant's own path
 * (`/v1/callbacks/{tenant}/…`); the single-org setup's unprefixed paths name none.
 */
export function tenantOf(record: AcceptedRecord): string | undefined {
  if (record.statusCallback === undefined) return undefined;
  try {
    return /^\/v1\/callbacks\/([a-z0-9][a-z0-9-]{0,39})\/(?:twilio|vonage|sendgrid)\//.exec(
      new URL(record.statusCallback).pathname,
    )?.[1];
  } catch {
    return undefined;
  }
}

function sender(record: AcceptedRecord, accountName: InboxView['accountName']): string {
  const name = accountName?.(record.provider, record.accountSid);
  const id = record.accountSid.length > 12 ? `…${record.accountSid.slice(-4)}` : record.accountSid;
  const account = name && name !== record.accountSid ? `${name} (${id})` : id;
  const tenant = tenantOf(record);
  return tenant === undefined ? account : `${tenant} · ${account}`;
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
.warn{color:#a15c00;font-family:system-ui,sans-serif;font-size:.85rem}
`;

function time(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 23)} UTC`;
}

function deliveredContent(record: AcceptedRecord): { content: string; details: string } {
  if (record.channel === 'voice') {
    if (record.speech) {
      const loops = record.speech.loops === 0 ? 'loops until hang-up' : `loop ${record.speech.loops}`;
      return {
        content: record.speech.text === '' ? '(nothing spoken)' : record.speech.text,
        details: `${record.speech.language} · ${record.speech.voice} · ${loops}`,
      };
    }
    const what = record.provider === 'vonage' ? 'NCCO' : 'TwiML';
    return {
      content: record.url
        ? `(${what} fetched from ${record.url}, not simulated)`
        : `(${what} application, not simulated)`,
      details: '',
    };
  }
  if (record.channel === 'email') {
    const others = (record.recipients?.length ?? 1) - 1;
    return {
      content: `Subject: ${record.subject ?? ''}\n\n${record.body ?? (record.html ? '(HTML only)' : '')}`,
      details: others > 0 ? `+${others} more recipient(s)` : '',
    };
  }
  return { content: record.body ?? '', details: `${record.numSegments ?? 1} segment(s)` };
}

function deliveredRow(record: AcceptedRecord, accountName: InboxView['accountName']): string {
  const { content, details } = deliveredContent(record);
  const status = record.errorCode === undefined ? record.status : `${record.status} (${record.errorCode})`;
  const warnings = (record.warnings ?? [])
    .map((w) => `<br><span class="warn">⚠ ${escapeHtml(w)}</span>`)
    .join('');
  return `<tr>
<td>${escapeHtml(time(record.receivedAt))}</td>
<td>${escapeHtml(record.provider)}</td>
<td>${escapeHtml(sender(record, accountName))}</td>
<td>${escapeHtml(record.channel)}</td>
<td>${escapeHtml(record.to)}</td>
<td>${escapeHtml(record.from ?? record.messagingServiceSid ?? '')}</td>
<td class="content">${escapeHtml(content)}${warnings}</td>
<td class="small">${details === '' ? '' : `${escapeHtml(details)}<br>`}${escapeHtml(record.sid)} · ${escapeHtml(status)}</td>
</tr>`;
}

function refusedRow(record: RejectedRecord): string {
  const what = record.fault ? `${record.outcome} (${record.fault})` : record.outcome;
  return `<tr>
<td>${escapeHtml(time(record.receivedAt))}</td>
<td>${escapeHtml(record.provider)}</td>
<td>${escapeHtml(record.channel)}</td>
<td>${escapeHtml(record.to ?? '')}</td>
<td>${escapeHtml(what)}</td>
<td>${escapeHtml(record.httpStatus === null ? 'no answer' : String(record.httpStatus))}</td>
<td>${escapeHtml(record.errorCode === null ? '' : String(record.errorCode))}</td>
<td class="small">${escapeHtml(record.errorMessage)}</td>
</tr>`;
}

/** Origin and path only: a query string may carry a client's token. */
function shortUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return value;
  }
}

function callbackRow(callback: CallbackDelivery): string {
  const status =
    callback.errorCode === undefined ? callback.status : `${callback.status} (${callback.errorCode})`;
  const flags = [callback.duplicate ? 'duplicate' : '', callback.outOfOrder ? 'out of order' : ''].filter(
    Boolean,
  );
  const answer =
    callback.responseStatus !== null
      ? String(callback.responseStatus)
      : (callback.error ?? (callback.outcome === 'pending' ? '…' : ''));
  return `<tr>
<td>${escapeHtml(time(callback.sentAt ?? callback.scheduledAt))}</td>
<td>${escapeHtml(callback.provider)}</td>
<td>${escapeHtml(callback.sid)}</td>
<td>${escapeHtml(status)}${flags.length > 0 ? `<br><span class="small">${escapeHtml(flags.join(', '))}</span>` : ''}</td>
<td>${escapeHtml(`${callback.method} ${shortUrl(callback.url)}`)}</td>
<td>${escapeHtml(callback.outcome)}</td>
<td class="small">${escapeHtml(answer)}</td>
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
      ? '<tr><td colspan="8" class="empty">Nothing yet. Send an SMS, place a call or send an e-mail through the simulator.</td></tr>'
      : view.delivered.map((record) => deliveredRow(record, view.accountName)).join('\n');
  const refused =
    view.refused.length === 0
      ? '<tr><td colspan="8" class="empty">None.</td></tr>'
      : view.refused.map(refusedRow).join('\n');
  const callbacks =
    (view.callbacks ?? []).length === 0
      ? '<tr><td colspan="7" class="empty">None. Give a status callback URL (on this machine, or a host in SIM_CALLBACK_HOSTS).</td></tr>'
      : (view.callbacks ?? []).map(callbackRow).join('\n');
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
<h1>Simulated phone and mailbox</h1>
<p class="meta">Refreshes every ${REFRESH_SECONDS} s · ${totals.accepted} delivered, ${totals.rejected} rejected, ${totals.faulted} faulted since ${escapeHtml(time(view.stats.since))} · JSON: <a href="/sim/messages">/sim/messages</a>, <a href="/sim/callbacks">/sim/callbacks</a>, <a href="/sim/stats">/sim/stats</a></p>
${faultBanner(view.faults)}
<table>
<thead><tr><th>Time</th><th>Provider</th><th>Sent by (tenant · account)</th><th>Channel</th><th>To</th><th>From</th><th>Message / speech / e-mail</th><th>Details</th></tr></thead>
<tbody>
${delivered}
</tbody>
</table>
<h2>Status callbacks</h2>
<table>
<thead><tr><th>Time</th><th>Provider</th><th>Resource</th><th>Status</th><th>Sent to</th><th>Outcome</th><th>Answer</th></tr></thead>
<tbody>
${callbacks}
</tbody>
</table>
<h2>Refused requests</h2>
<table>
<thead><tr><th>Time</th><th>Provider</th><th>Channel</th><th>To</th><th>Outcome</th><th>HTTP</th><th>Code</th><th>Message</th></tr></thead>
<tbody>
${refused}
</tbody>
</table>
</body>
</html>
`;
}
