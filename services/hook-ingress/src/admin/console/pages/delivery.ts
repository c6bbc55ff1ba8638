import type { DeliveryDetail } from '../deliveries/model.ts';
import { type CodeMeaning, requestLabel, storyLine, timeline } from '../deliveries/story.ts';
import { html, type SafeHtml } from '../html.ts';
import { timeOf } from '../layout.ts';
import { stateBadge } from './deliveries.ts';

/** One delivery: the plain-language line, the facts a ticket needs, and the timeline. */
export function deliveryBody(detail: DeliveryDetail, meaning: CodeMeaning, now: number): SafeHtml {
  const { ledger } = detail;
  const settled = detail.state !== 'pending';
  return html`<p><a href="/console/deliveries">← Deliveries</a></p>
<h1>${ledger.channel === 'voice' ? 'Voice call' : 'SMS'} to ${ledger.phoneMasked} ${stateBadge(detail.state)}</h1>
<div id="live"${settled ? '' : html` data-refresh="5"`}>
<p class="story" data-story>${storyLine(detail, meaning, now)}</p>
<dl class="facts">
  <dt>Tenant</dt><dd>${detail.tenant}</dd>
  <dt>Request</dt><dd>${requestLabel(ledger.requestType)}</dd>
  <dt>Okta asked</dt><dd>${timeOf(detail.receivedAt, true)} UTC</dd>
  <dt>Code expires</dt><dd>${timeOf(Date.parse(ledger.otpExpiresAt), true)} UTC</dd>
  <dt>Okta event id</dt><dd class="mono">${ledger.eventId}</dd>
  <dt>Transaction id</dt><dd class="mono">${ledger.deliveryId}</dd>
</dl>
<h2>Timeline</h2>
<ol class="timeline">${timeline(detail, meaning, now).map(
    (entry) =>
      html`<li class="tone-${entry.tone}">${timeOf(entry.at)}<span class="what">${entry.text}</span>${
        entry.detail ? html`<code class="detail">${entry.detail}</code>` : ''
      }</li>`,
  )}</ol>
${settled ? '' : html`<p class="sub">Still in progress: this page refreshes every 5 s.</p>`}
</div>`;
}
