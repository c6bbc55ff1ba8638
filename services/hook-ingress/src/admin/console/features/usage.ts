import {
  parseUsageRange,
  type UsageDay,
  type UsageReport,
  usageCsv,
  usageReport,
  usageRows,
} from '@byot/tenancy';
import { type DayBar, dayBars } from '../charts.ts';
import type { ConsoleFeature } from '../console-app.ts';
import { html, queryString, type SafeHtml } from '../html.ts';
import { notice } from '../layout.ts';

/**
 * The usage page (tenancy, issue 13): codes per tenant per UTC day as a chart, a table of the day's figures, and
 * the CSV export — built over @byot/tenancy's usage report module (the same counters, summaries and CSV as
 * `GET /v1/usage`), read through UsageCounters. The export is a download of this signed-in page, not a second API:
 * a browser holds a session, not the admin token `/v1/usage` asks for.
 */
export interface UsageSource {
  /** The raw counters of these tenants and days (UsageCounters.read). */
  read(tenants: readonly string[], days: readonly string[]): Promise<UsageDay[]>;
  /** Tenants that had usage, including those since removed (UsageCounters.knownTenants). */
  knownTenants(): Promise<string[]>;
}

const DAY_MS = 86_400_000;
/** Two weeks unless asked: what a support person looks at; the export takes any range the counters keep. */
const DEFAULT_DAYS = 14;
/** The chart draws at most this many days (a bar a day stays readable); the CSV has no such limit. */
const CHART_DAYS = 92;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function usageFeature(source: UsageSource, now: () => number = Date.now): ConsoleFeature {
  /** The range asked for (or the last two weeks), checked by the report module itself. */
  const rangeOf = (query: Record<string, unknown>) => {
    const to = typeof query.to === 'string' && query.to ? query.to : isoDay(now());
    const from =
      typeof query.from === 'string' && query.from
        ? query.from
        : isoDay(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS);
    return { from, to, range: parseUsageRange(from, to) };
  };

  return {
    nav: { id: 'usage', label: 'Usage', href: '/console/usage' },
    visible: () => true,
    routes(router, helpers) {
      /** An operator sees every tenant that ever had usage too; a viewer only its own. */
      const tenantsFor = async (res: Parameters<typeof helpers.context>[0]) => {
        const { principal, tenants } = helpers.context(res);
        if (principal.role !== 'operator') return tenants;
        return [...new Set([...tenants, ...(await source.knownTenants())])].sort();
      };

      router.get('/console/usage', async (req, res) => {
        const { from, to, range } = rangeOf(req.query);
        if (!range.ok) {
          return void helpers.render(
            res,
            { title: 'Usage', active: 'usage', body: usageBody({ from, to, problem: range.problem }) },
            400,
          );
        }
        const tenants = await tenantsFor(res);
        const report = usageReport(range, tenants, await source.read(tenants, range.days));
        helpers.render(res, {
          title: 'Usage',
          active: 'usage',
          body: usageBody({ from, to, report, days: range.days }),
        });
      });

      router.get('/console/usage/export.csv', async (req, res) => {
        const { from, to, range } = rangeOf(req.query);
        if (!range.ok) return void res.status(400).type('text').send(`${range.problem}\n`);
        const tenants = await tenantsFor(res);
        res
          .status(200)
          .type('text/csv; charset=utf-8')
          .attachment(`byot-usage-${from}-to-${to}.csv`)
          .send(usageCsv(usageRows(await source.read(tenants, range.days))));
      });
    },
  };
}

interface UsageView {
  from: string;
  to: string;
  problem?: string;
  report?: UsageReport;
  days?: string[];
}

export function usageBody(view: UsageView): SafeHtml {
  const range = { from: view.from, to: view.to };
  return html`<h1>Usage</h1>
<p class="lead">Codes Okta asked for, per tenant and UTC day, from the usage counters byot keeps for billing
(${view.from} to ${view.to}). Red: refused by the fraud controls. The CSV has one row per counter (codes, provider
messages, SMS segments, failovers, blocks, receipts) for a billing import.</p>
<form class="filters" method="get" action="/console/usage">
  <label>From <input type="date" name="from" value="${view.from}" required></label>
  <label>To <input type="date" name="to" value="${view.to}" required></label>
  <button type="submit">Show</button>
  <a class="button" id="usage-csv" href="/console/usage/export.csv${queryString(range)}" download>Export CSV</a>
</form>
${view.problem ? notice('error', view.problem) : ''}
${view.report && view.days ? tenantsSection(view.report, view.days) : ''}`;
}

function tenantsSection(report: UsageReport, days: string[]): SafeHtml {
  if (report.tenants.length === 0) return notice('info', 'No tenant to show.');
  const charted = days.slice(-CHART_DAYS);
  return html`${report.tenants.map((t) => {
    const byDay = new Map(t.days.map((d) => [d.date, d]));
    const bars: DayBar[] = charted.map((day) => ({
      day,
      codes: byDay.get(day)?.codes.total ?? 0,
      blocked: byDay.get(day)?.blocked.total ?? 0,
    }));
    return html`<section class="usage-tenant" data-tenant="${t.tenant}">
  <h2>${t.tenant} <span class="sub">${t.total.codes.total} codes · ${t.total.messages.total} provider messages · ${t.total.smsSegments.total} SMS segments · ${t.total.blocked.total} refused</span></h2>
  ${dayBars(bars, `${t.tenant}: codes per day, ${charted[0]} to ${charted[charted.length - 1]}`)}
  ${
    t.days.length === 0
      ? html`<p class="sub">No usage in this range.</p>`
      : html`<table class="grid usage" data-tenant="${t.tenant}">
    <thead><tr><th>Day (UTC)</th><th class="num">Codes</th><th class="num">SMS</th><th class="num">Voice</th><th class="num">Messages</th><th class="num">Segments</th><th class="num">Failovers</th><th class="num">Refused</th></tr></thead>
    <tbody>${[...t.days]
      .reverse()
      .map(
        (d) =>
          html`<tr data-day="${d.date}"><td>${d.date}</td><td class="num">${d.codes.total}</td><td class="num">${d.codes.byChannel.sms ?? 0}</td><td class="num">${d.codes.byChannel.voice ?? 0}</td><td class="num">${d.messages.total}</td><td class="num">${d.smsSegments.total}</td><td class="num">${d.failovers.total}</td><td class="num">${d.blocked.total}</td></tr>`,
      )}</tbody>
  </table>`
  }
</section>`;
  })}`;
}
