import { parseUsageField, USAGE_RETENTION_DAYS, type UsageDay, type UsageMetric } from './usage-counters.ts';

/**
 * What `GET /v1/usage?from=YYYY-MM-DD&to=YYYY-MM-DD[&tenant=ID]` answers: per tenant and day, the counters summed
 * along each dimension (JSON), or one row per counter (CSV, for a billing import). Both read the same counters.
 */

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export type UsageRange =
  | { ok: true; from: string; to: string; days: string[] }
  | { ok: false; problem: string };

/** Checks a requested range: both ends valid calendar dates, from ≤ to, no longer than the retention. */
export function parseUsageRange(from: unknown, to: unknown): UsageRange {
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      return { ok: false, problem: `${name} must be a date as YYYY-MM-DD (UTC days)` };
    }
    if (new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
      return { ok: false, problem: `${name} is not a calendar date` };
    }
  }
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (start > end) return { ok: false, problem: 'from must not be after to' };
  const count = (end - start) / DAY_MS + 1;
  if (count > USAGE_RETENTION_DAYS + 1) {
    return {
      ok: false,
      problem: `the range must be at most ${USAGE_RETENTION_DAYS + 1} days (counters are kept ${USAGE_RETENTION_DAYS})`,
    };
  }
  const days = Array.from({ length: count }, (_, i) =>
    new Date(start + i * DAY_MS).toISOString().slice(0, 10),
  );
  return { ok: true, from: from as string, to: to as string, days };
}

type Breakdown = Record<string, number>;

export interface UsageSummary {
  codes: {
    total: number;
    byChannel: Breakdown;
    byRequestType: Breakdown;
    byCountry: Breakdown;
    byProvider: Breakdown;
    byOutcome: Breakdown;
  };
  /** Messages and calls providers accepted (what they bill), resends and failovers included. */
  messages: { total: number; byProvider: Breakdown; byCountry: Breakdown };
  smsSegments: { total: number; byProvider: Breakdown; byCountry: Breakdown };
  failovers: { total: number; byRoute: Breakdown };
  blocked: { total: number; byRule: Breakdown; byCountry: Breakdown };
  receipts: { byProvider: Record<string, Breakdown> };
}

export interface UsageRow {
  date: string;
  tenant: string;
  metric: UsageMetric;
  channel: string;
  requestType: string;
  country: string;
  provider: string;
  outcome: string;
  count: number;
}

export interface UsageReport {
  from: string;
  to: string;
  tenants: Array<{
    tenant: string;
    total: UsageSummary;
    days: Array<{ date: string } & UsageSummary>;
  }>;
}

function emptySummary(): UsageSummary {
  return {
    codes: { total: 0, byChannel: {}, byRequestType: {}, byCountry: {}, byProvider: {}, byOutcome: {} },
    messages: { total: 0, byProvider: {}, byCountry: {} },
    smsSegments: { total: 0, byProvider: {}, byCountry: {} },
    failovers: { total: 0, byRoute: {} },
    blocked: { total: 0, byRule: {}, byCountry: {} },
    receipts: { byProvider: {} },
  };
}

const add = (breakdown: Breakdown, key: string, n: number) => {
  breakdown[key] = (breakdown[key] ?? 0) + n;
};

function addRow(summary: UsageSummary, row: UsageRow): void {
  const n = row.count;
  switch (row.metric) {
    case 'codes':
      summary.codes.total += n;
      add(summary.codes.byChannel, row.channel, n);
      add(summary.codes.byRequestType, row.requestType, n);
      add(summary.codes.byCountry, row.country, n);
      add(summary.codes.byProvider, row.provider, n);
      add(summary.codes.byOutcome, row.outcome, n);
      break;
    case 'messages':
      summary.messages.total += n;
      add(summary.messages.byProvider, row.provider, n);
      add(summary.messages.byCountry, row.country, n);
      break;
    case 'segments':
      summary.smsSegments.total += n;
      add(summary.smsSegments.byProvider, row.provider, n);
      add(summary.smsSegments.byCountry, row.country, n);
      break;
    case 'failovers':
      summary.failovers.total += n;
      add(summary.failovers.byRoute, row.provider, n);
      break;
    case 'blocked':
      summary.blocked.total += n;
      add(summary.blocked.byRule, row.outcome, n);
      add(summary.blocked.byCountry, row.country, n);
      break;
    case 'receipts': {
      const byStatus = summary.receipts.byProvider[row.provider] ?? {};
      summary.receipts.byProvider[row.provider] = byStatus;
      add(byStatus, row.outcome, n);
      break;
    }
  }
}

/** The counters as rows, ordered by date, tenant, metric and dimensions (stable for diffs and imports). */
export function usageRows(days: readonly UsageDay[]): UsageRow[] {
  const rows: UsageRow[] = [];
  for (const { tenant, day, counters } of days) {
    for (const [field, count] of Object.entries(counters)) {
      const parsed = parseUsageField(field);
      if (parsed && count !== 0) rows.push({ date: day, tenant, ...parsed, count });
    }
  }
  const key = (r: UsageRow) =>
    [r.date, r.tenant, r.metric, r.channel, r.requestType, r.country, r.provider, r.outcome].join('\0');
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function usageReport(
  range: { from: string; to: string },
  tenants: readonly string[],
  days: readonly UsageDay[],
): UsageReport {
  const rows = usageRows(days);
  return {
    from: range.from,
    to: range.to,
    tenants: tenants.map((tenant) => {
      const total = emptySummary();
      const byDay = new Map<string, UsageSummary>();
      for (const row of rows) {
        if (row.tenant !== tenant) continue;
        addRow(total, row);
        const day = byDay.get(row.date) ?? emptySummary();
        byDay.set(row.date, day);
        addRow(day, row);
      }
      return { tenant, total, days: [...byDay].map(([date, summary]) => ({ date, ...summary })) };
    }),
  };
}

export const USAGE_CSV_HEADER = 'date,tenant,metric,channel,request_type,country,provider,outcome,count';

/** RFC 4180 CSV, one row per counter. Field values are already restricted to [A-Za-z0-9._>-]. */
export function usageCsv(rows: readonly UsageRow[]): string {
  const cell = (v: string | number) => {
    const text = String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = rows.map((r) =>
    [r.date, r.tenant, r.metric, r.channel, r.requestType, r.country, r.provider, r.outcome, r.count]
      .map(cell)
      .join(','),
  );
  return `${[USAGE_CSV_HEADER, ...lines].join('\r\n')}\r\n`;
}
