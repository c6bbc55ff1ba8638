import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  computeMetrics,
  type MetricsInput,
  outstanding,
  percentile,
  primaryBackForAll,
  reachedPerson,
} from './metrics.ts';
import type { HookRecord, LedgerVerdict, ProviderDelivery } from './types.ts';

const T0 = 1_000_000;
const timeline = {
  startedAt: T0,
  faultAt: T0 + 10_000,
  clearAt: T0 + 20_000,
  loadEndAt: T0 + 30_000,
  judgedAt: T0 + 40_000,
};

let n = 0;
function hook(overrides: Partial<HookRecord> = {}): HookRecord {
  n++;
  const sentAt = overrides.sentAt ?? T0 + 1_000;
  return {
    eventId: `evt${n}`,
    channel: 'sms',
    phone: `+1415200${String(n).padStart(4, '0')}`,
    otp: '123456',
    phase: 'baseline',
    sentAt,
    expiresAt: sentAt + 300_000,
    doneAt: sentAt + 100,
    latencyMs: 100,
    httpStatus: 200,
    answer: 'SUCCESSFUL',
    provider: 'TWILIO',
    ...overrides,
  };
}

function delivery(h: HookRecord, overrides: Partial<ProviderDelivery> = {}): ProviderDelivery {
  return {
    provider: 'twilio',
    channel: h.channel,
    to: h.phone,
    text: `Your code is ${h.otp}`,
    receivedAt: h.sentAt + 50,
    status: 'delivered',
    sid: `SM${n}`,
    ...overrides,
  };
}

function metrics(
  hooks: HookRecord[],
  deliveries: ProviderDelivery[],
  extra: Partial<MetricsInput> & { ledger?: Map<string, LedgerVerdict> } = {},
) {
  return computeMetrics({
    hooks,
    deliveries,
    ledger: new Map(),
    timeline,
    primary: 'twilio',
    reroute: 'backup',
    ...extra,
  });
}

describe('computeMetrics', () => {
  it('counts a clean run: every code delivered once, before expiry, inside the window', () => {
    const hooks = [hook(), hook({ answer: 'PENDING', latencyMs: 2_000 }), hook({ channel: 'voice' })];
    const m = metrics(
      hooks,
      hooks.map((h) => delivery(h)),
    );
    assert.equal(m.hooks, 3);
    assert.equal(m.inWindowPct, 100);
    assert.deepEqual(m.answers, { SUCCESSFUL: 2, PENDING: 1, FAILED: 0, fallback: 0 });
    assert.equal(m.accepted, 3);
    assert.equal(m.deliveredBeforeExpiry, 3);
    assert.equal(m.lost, 0);
    assert.equal(m.duplicates, 0);
    assert.equal(m.deliveredAfterExpiry, 0);
    assert.equal(m.wrongCode, 0);
    assert.equal(m.p50Ms, 100);
    assert.equal(m.p99Ms, 2_000);
    assert.deepEqual(m.byProvider, { twilio: 3 });
    assert.equal(m.deliveryP50Ms, 50);
    assert.equal(m.deliveryMaxMs, 50);
  });

  it('matches Vonage records (digits without +) and spoken codes ("1, 2, 3, …")', () => {
    const h = hook({ channel: 'voice' });
    const m = metrics(
      [h],
      [delivery(h, { provider: 'vonage', to: h.phone.slice(1), text: 'Your code is 1, 2, 3, 4, 5, 6.' })],
    );
    assert.equal(m.deliveredBeforeExpiry, 1);
    assert.equal(m.wrongCode, 0);
  });

  it('calls an accepted code that never arrived lost, unless the ledger reports it failed', () => {
    const lost = hook();
    const reported = hook({ answer: 'PENDING' });
    const unknown = hook({ answer: 'PENDING' });
    const m = metrics([lost, reported, unknown], [], {
      ledger: new Map<string, LedgerVerdict>([
        [reported.eventId, 'undelivered'],
        [unknown.eventId, 'unavailable'],
      ]),
    });
    assert.equal(m.lost, 2);
    assert.deepEqual(m.lostEventIds, [lost.eventId, unknown.eventId]);
    assert.equal(m.reportedFailed, 1);
    assert.equal(m.ledger, 'partial');
  });

  it('a resend after an "undelivered" receipt is not a duplicate; a second delivery that arrived is', () => {
    const resent = hook();
    const twice = hook();
    const m = metrics(
      [resent, twice],
      [
        delivery(resent, { status: 'undelivered', errorCode: 30003 }),
        delivery(resent, { provider: 'vonage', receivedAt: resent.sentAt + 900 }),
        delivery(twice),
        delivery(twice, { provider: 'vonage', receivedAt: twice.sentAt + 400 }),
      ],
    );
    assert.equal(m.duplicates, 1);
    assert.equal(m.resentAfterReceipt, 1);
    assert.equal(m.lost, 0);
    assert.deepEqual(m.duplicateDetails, [
      {
        eventId: twice.eventId,
        channel: 'sms',
        answer: 'SUCCESSFUL',
        providers: ['twilio:delivered', 'vonage:delivered'],
        gapsMs: [350],
      },
    ]);
  });

  it('a code Okta sent itself (non-200, timeout) that we delivered too is a duplicate', () => {
    const refused = hook({ httpStatus: 503, answer: undefined });
    const timedOut = hook({
      httpStatus: undefined,
      latencyMs: undefined,
      error: 'timeout',
      answer: undefined,
    });
    const clean = hook({ httpStatus: 503, answer: undefined });
    const m = metrics([refused, timedOut, clean], [delivery(refused), delivery(timedOut)]);
    assert.equal(m.answers.fallback, 3);
    assert.equal(m.sentAfterFallback, 2);
    assert.deepEqual(m.fallbackReasons, { '503': 2, timeout: 1 });
    assert.equal(m.duplicates, 2);
    assert.equal(m.accepted, 0);
    assert.equal(m.lost, 0);
    assert.equal(m.inWindowPct, 66.7);
  });

  it('counts acceptances after expiry and texts without the code', () => {
    const late = hook({ expiresAt: T0 + 2_000 });
    const wrong = hook();
    const m = metrics(
      [late, wrong],
      [delivery(late, { receivedAt: T0 + 2_001 }), delivery(wrong, { text: 'Code 999999' })],
    );
    assert.equal(m.deliveredAfterExpiry, 1);
    assert.equal(m.deliveredBeforeExpiry, 1);
    assert.equal(m.lost, 0); // it did arrive, too late: counted as late, not lost
    assert.equal(m.wrongCode, 1);
  });

  it('measures reroute (first backup delivery after the fault) and recovery (Twilio again after it)', () => {
    const before = hook({ sentAt: T0 + 5_000 });
    const during = hook({ sentAt: T0 + 10_500, phase: 'fault', answer: 'SUCCESSFUL', provider: 'VONAGE' });
    const stillOpen = hook({ sentAt: T0 + 20_100, phase: 'recovery', provider: 'VONAGE' });
    const back = hook({ sentAt: T0 + 23_000, phase: 'recovery' });
    const m = metrics(
      [before, during, stillOpen, back],
      [
        delivery(before),
        delivery(during, { provider: 'vonage', receivedAt: T0 + 10_700 }),
        delivery(stillOpen, { provider: 'vonage', receivedAt: T0 + 20_200 }),
        delivery(back, { receivedAt: T0 + 23_100 }),
      ],
    );
    assert.equal(m.rerouteMs, 700);
    assert.equal(m.recoveryMs, 3_100);
    assert.deepEqual(m.faultAnswers, { SUCCESSFUL: 1, PENDING: 0, FAILED: 0, fallback: 0 });
  });

  it('ends the recovery wait only once every tenant’s codes sent after the fault are delivered by Twilio again', () => {
    const clearAt = timeline.clearAt;
    // acme: a code sent before the lift, on Twilio, does not count; nor does one still on Vonage after it.
    const acmeBefore = hook({ tenant: 'acme', sentAt: clearAt - 500, phase: 'fault' });
    const acmeStillOpen = hook({
      tenant: 'acme',
      sentAt: clearAt + 100,
      phase: 'recovery',
      provider: 'VONAGE',
    });
    const globexBack = hook({ tenant: 'globex', sentAt: clearAt + 200, phase: 'recovery' });
    const acmeInFlight = hook({
      tenant: 'acme',
      sentAt: clearAt + 3_000,
      phase: 'recovery',
      answer: undefined,
    });
    const acmeBack = hook({ tenant: 'acme', sentAt: clearAt + 3_200, phase: 'recovery' });
    const hooks = [acmeBefore, acmeStillOpen, globexBack, acmeInFlight, acmeBack];
    const early = [
      delivery(acmeBefore, { receivedAt: clearAt + 100 }),
      delivery(acmeStillOpen, { provider: 'vonage', receivedAt: clearAt + 300 }),
      delivery(globexBack, { receivedAt: clearAt + 400 }),
      // Answered not yet: its delivery alone does not say the tenant is back.
      delivery(acmeInFlight, { receivedAt: clearAt + 3_100 }),
    ];
    const tenants = ['acme', 'globex'];
    assert.equal(primaryBackForAll(hooks, early, clearAt, 'twilio', tenants), false);
    assert.equal(primaryBackForAll(hooks, early, clearAt, 'twilio', ['globex']), true);
    // A Twilio record that failed (undelivered) is not Twilio delivering.
    const failed = [
      ...early,
      delivery(acmeBack, { receivedAt: clearAt + 3_300, status: 'undelivered', errorCode: 30003 }),
    ];
    assert.equal(primaryBackForAll(hooks, failed, clearAt, 'twilio', tenants), false);
    const back = [...early, delivery(acmeBack, { receivedAt: clearAt + 3_300 })];
    assert.equal(primaryBackForAll(hooks, back, clearAt, 'twilio', tenants), true);
    // The same condition as the recovery figure judged afterwards: acme's first Twilio delivery after the lift.
    const acme = hooks.filter((h) => h.tenant === 'acme');
    assert.equal(metrics(acme, back).recoveryMs, 3_300);
    // A single-org system: hooks without a tenant.
    const single = hook({ sentAt: clearAt + 50, phase: 'recovery' });
    assert.equal(primaryBackForAll([single], [], clearAt, 'twilio', [undefined]), false);
    assert.equal(primaryBackForAll([single], [delivery(single)], clearAt, 'twilio', [undefined]), true);
  });

  it('measures the fallback window: first fallback sent to last fallback answered (a Redis failover’s cost)', () => {
    const ok = hook({ sentAt: T0 + 9_000 });
    const first = hook({
      sentAt: T0 + 10_100,
      doneAt: T0 + 10_105,
      phase: 'fault',
      httpStatus: 503,
      answer: undefined,
    });
    const last = hook({
      sentAt: T0 + 12_000,
      doneAt: T0 + 12_300,
      phase: 'fault',
      httpStatus: 503,
      answer: undefined,
    });
    const after = hook({ sentAt: T0 + 12_500, phase: 'fault' });
    const m = metrics([ok, first, last, after], [delivery(ok), delivery(after)], { reroute: 'any' });
    assert.equal(m.fallbackWindowMs, 2_200);
    assert.equal(metrics([ok], [delivery(ok)]).fallbackWindowMs, 0);
  });

  it('counts what was in flight at the fault', () => {
    const inFlight = hook({ sentAt: T0 + 9_900, doneAt: T0 + 10_200 });
    const done = hook({ sentAt: T0 + 9_000, doneAt: T0 + 9_100 });
    const m = metrics([inFlight, done], [delivery(done, { receivedAt: T0 + 9_700 })], { reroute: 'any' });
    assert.equal(m.inFlightAtFault, 2);
  });

  it('reports no latency percentiles and 100 % in-window for an empty drill', () => {
    const m = metrics([], []);
    assert.equal(m.p50Ms, null);
    assert.equal(m.inWindowPct, 100);
    assert.equal(m.rerouteMs, null);
  });
});

describe('helpers', () => {
  it('percentile is nearest-rank', () => {
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
    assert.equal(percentile([7], 1), 7);
    assert.equal(percentile([], 50), null);
  });

  it("only final failure statuses mean the person did not get it, in each provider's words", () => {
    const reached: [string, string, string][] = [
      ['twilio', 'sms', 'queued'],
      ['twilio', 'sms', 'sent'],
      ['twilio', 'sms', 'delivered'],
      ['twilio', 'sms', 'accepted'],
      ['twilio', 'voice', 'completed'],
      ['vonage', 'sms', 'accepted'],
      ['vonage', 'voice', 'answered'],
      ['sendgrid', 'email', 'delivered'],
    ];
    const notReached: [string, string, string][] = [
      ['twilio', 'sms', 'undelivered'],
      ['twilio', 'sms', 'failed'],
      ['twilio', 'voice', 'busy'],
      ['twilio', 'voice', 'no-answer'],
      ['vonage', 'sms', 'rejected'],
      ['vonage', 'sms', 'expired'],
      ['vonage', 'voice', 'timeout'],
      ['vonage', 'voice', 'unanswered'],
      ['sendgrid', 'email', 'bounce'],
      ['sendgrid', 'email', 'dropped'],
    ];
    for (const [provider, channel, status] of reached)
      assert.ok(reachedPerson({ provider, channel, status }), `${provider} ${channel} ${status}`);
    for (const [provider, channel, status] of notReached)
      assert.ok(!reachedPerson({ provider, channel, status }), `${provider} ${channel} ${status}`);
  });

  it('outstanding counts undelivered accepted codes and records still waiting for a final receipt', () => {
    const waiting = hook();
    const sent = hook();
    const fine = hook();
    const refused = hook({ httpStatus: 503, answer: undefined });
    const deliveries = [delivery(sent, { status: 'sent' }), delivery(fine)];
    assert.equal(outstanding([waiting, sent, fine, refused], deliveries), 2);
    assert.equal(outstanding([sent, fine], [delivery(sent), delivery(fine)]), 0);
  });
});
