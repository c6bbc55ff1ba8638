import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closeRedis, createKeyspace, createRedisConnection } from '@byot/redis';
import { sharedTestRedis, uniquePrefix } from '@byot/testkit';
import type { Redis } from 'ioredis';
import {
  incrementsFor,
  parseUsageField,
  USAGE_RETENTION_DAYS,
  UsageCounters,
  type UsageKeys,
  usageExpiry,
  usageField,
  utcDay,
} from './usage-counters.ts';
import { parseUsageRange, USAGE_CSV_HEADER, usageCsv, usageReport, usageRows } from './usage-report.ts';

let redis: Redis;
before(async () => {
  const { url } = await sharedTestRedis();
  redis = createRedisConnection({ url, role: 'worker', name: 'usage-test' });
});
after(() => closeRedis(redis));

// The deployment's own key layout (@byot/redis), under a prefix of this test's.
const keysFor = (prefix: string): UsageKeys => createKeyspace(prefix);

const DAY1 = Date.parse('2026-03-01T10:00:00Z');
const DAY2 = Date.parse('2026-03-02T23:59:59Z');

describe('usage counters', () => {
  it('count per tenant and UTC day, in one compact hash each, kept at least 400 days', async () => {
    const prefix = uniquePrefix('usage');
    const keys = keysFor(prefix);
    const usage = new UsageCounters(redis, keys);
    const acmeSms = {
      kind: 'code',
      channel: 'sms',
      requestType: 'mfa',
      country: 'GB',
      provider: 'twilio',
      outcome: 'sent',
    } as const;
    await Promise.all([
      usage.record('acme', acmeSms, DAY1),
      usage.record('acme', acmeSms, DAY1),
      usage.record(
        'acme',
        { kind: 'message', channel: 'sms', country: 'GB', provider: 'twilio', segments: 2 },
        DAY1,
      ),
      usage.record(
        'acme',
        { kind: 'message', channel: 'sms', country: 'GB', provider: 'twilio', segments: 1 },
        DAY1,
      ),
      usage.record(
        'acme',
        { kind: 'failover', channel: 'sms', from: 'twilio', to: 'vonage', country: 'GB' },
        DAY1,
      ),
      usage.record(
        'acme',
        { kind: 'blocked', channel: 'sms', requestType: 'enrollment', country: 'XK', rule: 'country' },
        DAY1,
      ),
      usage.record(
        'acme',
        { kind: 'receipt', channel: 'sms', provider: 'twilio', status: 'delivered' },
        DAY1,
      ),
      usage.record(
        'acme',
        { kind: 'code', channel: 'voice', requestType: 'password-reset', outcome: 'okta-fallback' },
        DAY2,
      ),
      usage.record('globex', { ...acmeSms, country: 'US' }, DAY2),
    ]);
    const day1 = await redis.hgetall(keys.usageDay('acme', '2026-03-01'));
    assert.deepEqual(day1, {
      'codes|sms|mfa|GB|twilio|sent': '2',
      'messages|sms|-|GB|twilio|-': '2',
      'segments|sms|-|GB|twilio|-': '3',
      'failovers|sms|-|GB|twilio>vonage|-': '1',
      'blocked|sms|enrollment|XK|-|country': '1',
      'receipts|sms|-|-|twilio|delivered': '1',
    });
    assert.equal(await redis.object('ENCODING', keys.usageDay('acme', '2026-03-01')), 'listpack');
    // Expires 401 days after the day began: kept at least 400 days after it ended.
    const expiresAt = await redis.expiretime(keys.usageDay('acme', '2026-03-01'));
    assert.equal(expiresAt, usageExpiry('2026-03-01'));
    assert.ok(expiresAt * 1000 - Date.parse('2026-03-02T00:00:00Z') >= USAGE_RETENTION_DAYS * 86_400_000);
    assert.deepEqual(await usage.knownTenants(), ['acme', 'globex']);

    const range = parseUsageRange('2026-03-01', '2026-03-02');
    assert.ok(range.ok);
    const days = await usage.read(['acme', 'globex', 'initech'], range.days);
    assert.deepEqual(
      days.map((d) => `${d.tenant} ${d.day}`),
      ['acme 2026-03-01', 'acme 2026-03-02', 'globex 2026-03-02'],
    );

    const report = usageReport(range, ['acme', 'globex', 'initech'], days);
    const acme = report.tenants[0];
    assert.equal(acme?.tenant, 'acme');
    assert.deepEqual(acme?.total.codes, {
      total: 3,
      byChannel: { sms: 2, voice: 1 },
      byRequestType: { mfa: 2, 'password-reset': 1 },
      byCountry: { GB: 2, ZZ: 1 },
      byProvider: { twilio: 2, '-': 1 },
      byOutcome: { sent: 2, 'okta-fallback': 1 },
    });
    assert.deepEqual(acme?.total.smsSegments, { total: 3, byProvider: { twilio: 3 }, byCountry: { GB: 3 } });
    assert.deepEqual(acme?.total.failovers, { total: 1, byRoute: { 'twilio>vonage': 1 } });
    assert.deepEqual(acme?.total.blocked, { total: 1, byRule: { country: 1 }, byCountry: { XK: 1 } });
    assert.deepEqual(acme?.total.receipts, { byProvider: { twilio: { delivered: 1 } } });
    assert.deepEqual(
      acme?.days.map((d) => [d.date, d.codes.total]),
      [
        ['2026-03-01', 2],
        ['2026-03-02', 1],
      ],
    );
    assert.deepEqual(report.tenants[2], { tenant: 'initech', total: report.tenants[2]?.total, days: [] });
    assert.equal(report.tenants[2]?.total.codes.total, 0);

    const csv = usageCsv(usageRows(days)).split('\r\n');
    assert.equal(csv[0], USAGE_CSV_HEADER);
    assert.ok(csv.includes('2026-03-01,acme,codes,sms,mfa,GB,twilio,sent,2'));
    assert.ok(csv.includes('2026-03-01,acme,segments,sms,-,GB,twilio,-,3'));
    assert.ok(csv.includes('2026-03-02,globex,codes,sms,mfa,US,twilio,sent,1'));
    assert.equal(csv.at(-1), '', 'ends with a line break');
    assert.equal(csv.length, 1 + 8 + 1);
  });

  it('counts the events of one outcome in one round trip, the same as one by one', async () => {
    const message = {
      kind: 'message',
      channel: 'sms',
      country: 'GB',
      provider: 'twilio',
      segments: 2,
    } as const;
    const code = {
      kind: 'code',
      channel: 'sms',
      requestType: 'mfa',
      country: 'GB',
      provider: 'twilio',
      outcome: 'sent',
    } as const;
    const together = keysFor(uniquePrefix('usage'));
    const apart = keysFor(uniquePrefix('usage'));
    // Round trips: the script calls (EVALSHA) and any other command, from INFO commandstats.
    const calls = async () => {
      const stats = await redis.info('commandstats');
      const count = (name: string) =>
        Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
      return { scripts: count('evalsha') + count('eval'), hincrby: count('hincrby'), exec: count('exec') };
    };
    // The script loaded (ioredis sends EVAL once on a NOSCRIPT reply), and the tenant indexed, beforehand.
    await new UsageCounters(redis, keysFor(uniquePrefix('usage'))).record('acme', [message], DAY1);
    await new UsageCounters(redis, together).record('acme', [], DAY1); // nothing to count: no write
    const counters = new UsageCounters(redis, together);
    await counters.record('acme', [message], DAY1 + 1);
    const before = await calls();
    await counters.record('acme', [message, code], DAY1);
    const after = await calls();
    assert.equal(after.scripts - before.scripts, 1, 'one script call');
    assert.equal(after.hincrby - before.hincrby, 3, 'its three increments (message, segments, code)');
    assert.equal(after.exec, before.exec, 'no MULTI');
    await counters.record('acme', [message], DAY1 + 2);
    const one = new UsageCounters(redis, apart);
    await one.record('acme', message, DAY1);
    await one.record('acme', message, DAY1);
    await one.record('acme', message, DAY1);
    await one.record('acme', code, DAY1);
    const day = '2026-03-01';
    assert.deepEqual(
      await redis.hgetall(together.usageDay('acme', day)),
      await redis.hgetall(apart.usageDay('acme', day)),
    );
    assert.equal(
      await redis.expiretime(together.usageDay('acme', day)),
      await redis.expiretime(apart.usageDay('acme', day)),
    );
  });

  it('keeps hostile dimension values out of the field structure and the CSV', () => {
    const field = usageField('blocked', {
      channel: 'sms|x',
      country: 'G,B',
      outcome: 'rule"\n',
      provider: '',
    });
    assert.equal(field, 'blocked|sms_x|-|G_B|-|rule__');
    assert.deepEqual(parseUsageField(field), {
      metric: 'blocked',
      channel: 'sms_x',
      requestType: '-',
      country: 'G_B',
      provider: '-',
      outcome: 'rule__',
    });
    assert.equal(parseUsageField('codes|a|b'), undefined);
    assert.equal(parseUsageField('unknown|a|b|c|d|e'), undefined);
    assert.deepEqual(incrementsFor({ kind: 'message', channel: 'voice', provider: 'twilio' }), [
      ['messages|voice|-|ZZ|twilio|-', 1],
    ]);
  });

  it('checks the requested range', () => {
    assert.deepEqual(parseUsageRange('2026-01-30', '2026-02-02'), {
      ok: true,
      from: '2026-01-30',
      to: '2026-02-02',
      days: ['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02'],
    });
    assert.deepEqual(parseUsageRange(undefined, '2026-01-01'), {
      ok: false,
      problem: 'from must be a date as YYYY-MM-DD (UTC days)',
    });
    assert.deepEqual(parseUsageRange('2026-02-30', '2026-03-01'), {
      ok: false,
      problem: 'from is not a calendar date',
    });
    assert.deepEqual(parseUsageRange('2026-03-02', '2026-03-01'), {
      ok: false,
      problem: 'from must not be after to',
    });
    assert.equal(parseUsageRange('2025-01-01', '2026-02-05').ok, true);
    assert.deepEqual(parseUsageRange('2025-01-01', '2026-02-06'), {
      ok: false,
      problem: 'the range must be at most 401 days (counters are kept 400)',
    });
    assert.equal(utcDay(Date.parse('2026-03-01T23:59:59.999Z')), '2026-03-01');
  });
});
