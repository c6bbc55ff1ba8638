import { CHANNELS } from '@byot/contracts';
import {
  FEED_STATE_LABEL,
  FEED_STATES,
  type FeedItem,
  type FeedState,
  type PersonQuery,
} from '../deliveries/model.ts';
import { requestLabel } from '../deliveries/story.ts';
import { html, queryString, type SafeHtml } from '../html.ts';
import { duration, notice, timeOf } from '../layout.ts';
import { providerName } from './providers.ts';

/** The feed's time ranges, newest first: the default is the last hour. */
export const RANGES = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  all: 0,
} as const;
export type RangeId = keyof typeof RANGES;
const RANGE_LABEL: Record<RangeId, string> = {
  '15m': 'last 15 minutes',
  '1h': 'last hour',
  '6h': 'last 6 hours',
  '24h': 'last 24 hours',
  all: 'everything kept',
};

export interface DeliveriesView {
  items: FeedItem[];
  limit: number;
  now: number;
  /** Tenants the principal may see; more than one shows the tenant column and filter. */
  tenants: string[];
  providers: string[];
  filters: { tenant?: string; state?: FeedState; channel?: string; provider?: string; range: RangeId };
  /** Set on a person search: the results are that person's, across the time kept. */
  search?: PersonQuery;
  /** A search that could not run (e.g. last digits without a tenant), said plainly. */
  problem?: string;
}

export const deliveryHref = (item: Pick<FeedItem, 'tenant' | 'eventId'>) =>
  `/console/deliveries/${encodeURIComponent(item.tenant)}/${encodeURIComponent(item.eventId)}`;

const STATE_TONE: Record<FeedState, string> = {
  delivered: 'ok',
  pending: 'warn',
  undelivered: 'bad',
  failed: 'bad',
  blocked: 'bad',
  'okta-fallback': 'muted',
};

export function stateBadge(state: FeedState): SafeHtml {
  return html`<span class="badge badge-${STATE_TONE[state]}" data-state="${state}">${FEED_STATE_LABEL[state]}</span>`;
}

export function deliveriesBody(view: DeliveriesView): SafeHtml {
  const many = view.tenants.length > 1;
  const searching = view.search !== undefined;
  return html`<h1>Deliveries</h1>
<p class="lead">Every code Okta asked for, newest first: what became of it and how long it took. Search by the person's
Okta login or user id, or by the last four digits of their number.</p>
${searchForm(view)}
${searching ? '' : filterForm(view)}
${view.problem ? notice('error', view.problem) : ''}
<div id="live" data-refresh="10">
  <div class="toolbar"><span>${summary(view)} · updated ${timeOf(view.now)} UTC</span>
    <button type="button" data-refresh-toggle>Pause auto-refresh</button>
    ${searching ? html`<a href="/console/deliveries">Show all deliveries</a>` : ''}</div>
  <table class="grid deliveries">
    <thead><tr>
      <th>Time (UTC)</th>${many ? html`<th>Tenant</th>` : ''}<th>Request</th><th>Channel</th><th>Number</th>
      <th>State</th><th>Provider</th><th class="num">Hook → delivered</th>
    </tr></thead>
    <tbody>${
      view.items.length === 0
        ? html`<tr><td class="empty" colspan="${many ? 8 : 7}">${
            searching ? 'No delivery of this person is kept.' : 'No deliveries match.'
          }</td></tr>`
        : view.items.map((item) => row(item, many, view.now))
    }</tbody>
  </table>
</div>`;
}

function summary(view: DeliveriesView): string {
  const n = view.items.length;
  if (view.search) return `${n} ${n === 1 ? 'delivery' : 'deliveries'} of this person`;
  return n >= view.limit ? `the ${view.limit} newest` : `${n} ${n === 1 ? 'delivery' : 'deliveries'}`;
}

function row(item: FeedItem, many: boolean, now: number): SafeHtml {
  const day = now - item.receivedAt > 20 * 3_600_000;
  return html`<tr data-event-id="${item.eventId}" data-tenant="${item.tenant}">
  <td><a href="${deliveryHref(item)}">${timeOf(item.receivedAt, day)}</a></td>
  ${many ? html`<td>${item.tenant}</td>` : ''}
  <td>${requestLabel(item.requestType)}</td>
  <td>${item.channel === 'voice' ? 'voice' : item.channel.toUpperCase()}</td>
  <td class="mono">${item.phoneMasked}</td>
  <td>${stateBadge(item.state)}</td>
  <td>${item.provider ? providerName(item.provider) : html`<span class="sub">–</span>`}</td>
  <td class="num">${item.latencyMs !== undefined ? duration(item.latencyMs) : html`<span class="sub">–</span>`}</td>
</tr>`;
}

function searchForm(view: DeliveriesView): SafeHtml {
  const by = view.search?.kind ?? 'login';
  const value = view.search?.value ?? '';
  const option = (id: string, label: string) =>
    html`<option value="${id}"${by === id ? html` selected` : ''}>${label}</option>`;
  return html`<form class="search" method="get" action="/console/deliveries" role="search">
  <label for="by">Find a person by</label>
  <select id="by" name="by">${option('login', 'Okta login')}${option('userId', 'Okta user id')}${option('last4', "number's last 4 digits")}</select>
  <input id="q" name="q" type="search" value="${value}" required maxlength="256" autocomplete="off" spellcheck="false"
    aria-label="Login, user id or last 4 digits" placeholder="dana@example.com · 00u1ab… · 0143">
  ${view.tenants.length > 1 ? tenantSelect('search-tenant', view.filters.tenant, 'in any tenant') : ''}
  <button type="submit" class="primary">Search</button>
</form>`;

  function tenantSelect(id: string, selected: string | undefined, anyLabel: string): SafeHtml {
    return html`<select id="${id}" name="tenant" aria-label="Tenant"><option value="">${anyLabel}</option>${view.tenants.map(
      (t) => html`<option value="${t}"${t === selected ? html` selected` : ''}>${t}</option>`,
    )}</select>`;
  }
}

function filterForm(view: DeliveriesView): SafeHtml {
  const { filters } = view;
  const select = (
    name: string,
    label: string,
    values: readonly string[],
    current: string | undefined,
    text = (v: string) => v,
  ) =>
    html`<label>${label} <select name="${name}"><option value="">all</option>${values.map(
      (v) => html`<option value="${v}"${v === current ? html` selected` : ''}>${text(v)}</option>`,
    )}</select></label>`;
  return html`<form class="filters" method="get" action="/console/deliveries" data-autosubmit>
  ${view.tenants.length > 1 ? select('tenant', 'Tenant', view.tenants, filters.tenant) : ''}
  ${select('state', 'State', FEED_STATES, filters.state, (s) => FEED_STATE_LABEL[s as FeedState])}
  ${select('channel', 'Channel', CHANNELS, filters.channel, (c) => (c === 'sms' ? 'SMS' : c))}
  ${select('provider', 'Provider', view.providers, filters.provider, providerName)}
  <label>Time <select name="range">${(Object.keys(RANGES) as RangeId[]).map(
    (r) => html`<option value="${r}"${r === filters.range ? html` selected` : ''}>${RANGE_LABEL[r]}</option>`,
  )}</select></label>
  <noscript><button type="submit">Apply</button></noscript>
  ${
    filters.state || filters.channel || filters.provider || filters.tenant || filters.range !== '1h'
      ? html`<a href="/console/deliveries${queryString({})}">Clear filters</a>`
      : ''
  }
</form>`;
}
