import { providerDisplayName } from '@byot/providers/registry';
import { minuteBars } from '../charts.ts';
import { html, type SafeHtml } from '../html.ts';
import { duration, notice, timeOf } from '../layout.ts';
import type { ProviderRow } from '../provider-health.ts';

const CHANNEL_LABEL: Record<string, string> = { sms: 'SMS', voice: 'Voice calls', email: 'E-mail' };
const OUTCOME_LABEL: Record<string, string> = {
  unavailable: 'unavailable',
  'rate-limited': 'throttled',
  'destination-permanent': 'number refused',
  'bad-request': 'bad request',
};

export const providerName = providerDisplayName;

export interface ProvidersView {
  rows: ProviderRow[];
  now: number;
  /** More than one tenant is visible: show the tenant column. */
  showTenant: boolean;
}

/** Providers: per provider and credential set, breaker, sends and failures in the last 15 min, accept latency. */
export function providersBody(view: ProvidersView): SafeHtml {
  const channels = [...new Set(view.rows.map((r) => r.route.channel))].sort(
    (a, b) => Object.keys(CHANNEL_LABEL).indexOf(a) - Object.keys(CHANNEL_LABEL).indexOf(b),
  );
  return html`<h1>Providers</h1>
<p class="lead">Measured by the workers on every attempt: sends and failures over the last 15 minutes, how long the
provider took to accept a message or call (p50 / p99), delivery receipts, and the shared circuit breaker. The chart
shows the last hour, one bar a minute.</p>
<div id="live" data-refresh="15">
  <div class="toolbar"><span>Updated ${timeOf(view.now)} UTC · refreshes every 15 s</span>
    <button type="button" data-refresh-toggle>Pause auto-refresh</button></div>
  ${
    view.rows.length === 0
      ? notice('info', 'No worker has reported a provider yet. Start an sms-worker or voice-worker.')
      : channels.map((channel) =>
          channelTable(
            channel,
            view.rows.filter((r) => r.route.channel === channel),
            view,
          ),
        )
  }
</div>`;
}

function channelTable(channel: string, rows: ProviderRow[], view: ProvidersView): SafeHtml {
  return html`<h2>${CHANNEL_LABEL[channel] ?? channel}</h2>
<table class="grid providers" data-channel="${channel}">
  <thead><tr>
    ${view.showTenant ? html`<th>Tenant</th>` : ''}
    <th>Provider</th><th>Credential set</th><th>Breaker</th>
    <th class="num">Sends (15 min)</th><th class="num">Failures</th><th class="num">Accept p50</th><th class="num">Accept p99</th>
    <th>Receipts (15 min)</th><th>Last hour</th>
  </tr></thead>
  <tbody>${rows.map((row) => providerRow(row, view))}</tbody>
</table>`;
}

function providerRow(row: ProviderRow, view: ProvidersView): SafeHtml {
  const { window: w } = row;
  const failureKinds = Object.entries(w.byOutcome)
    .filter(([outcome, n]) => n > 0 && outcome !== 'accepted' && outcome !== 'skipped-open')
    .map(([outcome, n]) => `${n} ${OUTCOME_LABEL[outcome] ?? outcome}`)
    .join(', ');
  const skipped = w.byOutcome['skipped-open'] ?? 0;
  const delivered = w.receipts.delivered ?? 0;
  const answered = (w.receipts.answered ?? 0) + (w.receipts.completed ?? 0);
  const failedReceipts = (w.receipts.undelivered ?? 0) + (w.receipts.failed ?? 0);
  const name = providerName(row.route.provider);
  return html`<tr data-provider="${row.route.provider}" data-credential-set="${row.route.credentialSet}">
  ${view.showTenant ? html`<td>${row.route.tenant}</td>` : ''}
  <td><strong>${name}</strong></td>
  <td class="mono">${row.route.credentialSet}</td>
  <td>${breakerBadge(row, view.now)}</td>
  <td class="num">${w.sends}</td>
  <td class="num">${w.failures > 0 ? html`<span class="badge badge-bad">${w.failures}</span>` : '0'}${
    failureKinds ? html`<div class="sub">${failureKinds}</div>` : ''
  }${skipped ? html`<div class="sub">${skipped} skipped (breaker open)</div>` : ''}</td>
  <td class="num">${duration(w.p50Ms)}</td>
  <td class="num">${duration(w.p99Ms)}</td>
  <td>${
    delivered + answered + failedReceipts === 0
      ? html`<span class="sub">none</span>`
      : html`${delivered ? html`<span class="badge badge-ok">${delivered} delivered</span> ` : ''}${
          answered ? html`<span class="badge badge-ok">${answered} answered</span> ` : ''
        }${failedReceipts ? html`<span class="badge badge-bad">${failedReceipts} not delivered</span>` : ''}`
  }</td>
  <td>${minuteBars(
    row.perMinute.map((m) => ({ minute: m.minute, ok: m.accepted, failed: m.failed })),
    `${name} ${row.route.channel}: accepted and failed sends per minute, last hour`,
  )}</td>
</tr>`;
}

function breakerBadge(row: ProviderRow, now: number): SafeHtml {
  const { state, openUntil } = row.breaker;
  if (state === 'open') {
    const left =
      openUntil && openUntil > now ? ` · probe in ${duration(openUntil - now)}` : ' · probing soon';
    return html`<span class="badge badge-bad" title="Workers skip this provider">open</span><div class="sub">${left.slice(3)}</div>`;
  }
  if (state === 'half-open')
    return html`<span class="badge badge-warn" title="One probe is being tried">half-open</span>`;
  return html`<span class="badge badge-ok">closed</span>`;
}
