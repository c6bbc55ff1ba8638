import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type NewAcceptedRecord, type NewRejectedRecord, RecordStore } from './record-store.ts';

function sms(to: string, body: string, receivedAt?: number): NewAcceptedRecord {
  return {
    provider: 'twilio',
    channel: 'sms',
    sid: `SM${to.slice(1).padStart(32, '0')}${body.length}`.slice(0, 34),
    accountSid: 'AC00000000000000000000000000000000',
    to,
    from: '+15550000000',
    status: 'queued',
    body,
    ...(receivedAt === undefined ? {} : { receivedAt }),
  };
}

function refused(to: string, errorCode: number): NewRejectedRecord {
  return {
    provider: 'twilio',
    channel: 'voice',
    outcome: 'rejected',
    to,
    from: null,
    httpStatus: 400,
    errorCode,
    errorMessage: 'nope',
  };
}

describe('RecordStore', () => {
  it('assigns ids and timestamps, freezes records and finds them by sid', () => {
    const store = new RecordStore({ now: () => 1_000 });
    const record = store.addAccepted(sms('+15551234567', 'code 1'));
    assert.equal(record.id, '1');
    assert.equal(record.outcome, 'accepted');
    assert.equal(record.receivedAt, 1_000);
    assert.ok(Object.isFrozen(record));
    assert.equal(store.findBySid(record.sid), record);
    assert.equal(store.findBySid('SMnope'), undefined);
  });

  it('filters by destination, channel, time and outcome, newest last', () => {
    const store = new RecordStore();
    store.addAccepted(sms('+15551111111', 'a', 100));
    store.addAccepted(sms('+15552222222', 'b', 200));
    store.addRejected({ ...refused('+15551111111', 21211), receivedAt: 300 });
    store.addAccepted(sms('+15551111111', 'c', 400));

    assert.deepEqual(
      store.query({ to: '+15551111111' }).map((r) => r.outcome === 'accepted' && r.body),
      ['a', 'c'],
    );
    assert.deepEqual(
      store.query({ since: 200 }).map((r) => r.receivedAt),
      [200, 400],
    );
    assert.equal(store.query({ channel: 'voice' }).length, 0, 'accepted only by default');
    assert.equal(store.query({ channel: 'voice', outcome: 'rejected' }).length, 1);
    assert.equal(store.query({ to: '+15551111111', outcome: 'any' }).length, 3);
    assert.deepEqual(
      store.query({ outcome: 'any', limit: 2 }).map((r) => r.receivedAt),
      [300, 400],
    );
  });

  it('evicts the oldest records beyond capacity but keeps cumulative counters', () => {
    const store = new RecordStore({ capacity: 2 });
    const first = store.addAccepted(sms('+15551111111', 'a'));
    store.addAccepted(sms('+15552222222', 'b'));
    store.addRejected(refused('+15553333333', 21217));
    assert.equal(store.size, 2);
    assert.equal(store.findBySid(first.sid), undefined, 'the evicted record is no longer addressable by sid');
    const stats = store.stats();
    assert.equal(stats.evicted, 1);
    assert.equal(stats.stored, 2);
    assert.deepEqual(stats.totals, { accepted: 2, rejected: 1, faulted: 0 });
    assert.deepEqual(stats.byProvider.twilio.sms, { accepted: 2, rejected: 0, faulted: 0 });
    assert.deepEqual(stats.byProvider.twilio.voice, { accepted: 0, rejected: 1, faulted: 0 });
    assert.deepEqual(stats.byErrorCode, { '21217': 1 });
  });

  it('clear() forgets records and restarts counters', () => {
    let now = 5;
    const store = new RecordStore({ now: () => now });
    store.addAccepted(sms('+15551111111', 'a'));
    store.addRejected(refused('+15551111111', 21211));
    now = 50;
    assert.equal(store.clear(), 2);
    const stats = store.stats();
    assert.equal(stats.stored, 0);
    assert.equal(stats.since, 50);
    assert.deepEqual(stats.totals, { accepted: 0, rejected: 0, faulted: 0 });
    assert.deepEqual(stats.byErrorCode, {});
    assert.equal(store.query({ outcome: 'any' }).length, 0);
  });

  it('rejects a nonsensical capacity', () => {
    assert.throws(() => new RecordStore({ capacity: 0 }), /capacity must be a positive integer/);
  });
});

describe('RecordStore, across providers', () => {
  it('matches a destination with or without "+" and e-mail addresses in any case', () => {
    const store = new RecordStore();
    store.addAccepted(sms('+15551111111', 'twilio'));
    store.addAccepted({ ...sms('+15551111111', 'v'), provider: 'vonage', sid: 'V1', to: '15551111111' });
    store.addAccepted({
      ...sms('+15551111111', 'mail'),
      provider: 'sendgrid',
      channel: 'email',
      sid: 'E1',
      to: 'Person@Example.com',
    });
    assert.equal(store.query({ to: '+15551111111' }).length, 2);
    assert.equal(store.query({ to: '15551111111' }).length, 2);
    assert.equal(store.query({ to: 'person@example.COM' }).length, 1);
    assert.deepEqual(store.stats().byProvider.sendgrid, { email: { accepted: 1, rejected: 0, faulted: 0 } });
  });

  it('prefixes non-Twilio error codes with the provider', () => {
    const store = new RecordStore();
    store.addRejected(refused('+15551111111', 21211));
    store.addRejected({ ...refused('+15551111111', 7), provider: 'vonage', channel: 'sms' });
    assert.deepEqual(store.stats().byErrorCode, { '21211': 1, 'vonage:7': 1 });
  });

  it('updateStatus replaces the record with a frozen copy and keeps the history', () => {
    const store = new RecordStore({ now: () => 10 });
    const first = store.addAccepted(sms('+15551111111', 'a'));
    const sent = store.updateStatus(first.sid, { status: 'sent', at: 20 });
    const undelivered = store.updateStatus(first.sid, { status: 'undelivered', at: 30, errorCode: 30003 });
    assert.equal(first.status, 'queued', 'the old snapshot is unchanged');
    assert.equal(sent?.status, 'sent');
    assert.equal(undelivered?.errorCode, 30003);
    assert.ok(Object.isFrozen(undelivered));
    assert.deepEqual(
      undelivered?.statusHistory?.map((s) => s.status),
      ['queued', 'sent', 'undelivered'],
    );
    assert.equal(store.findBySid(first.sid), undelivered);
    assert.equal(store.query()[0], undelivered);
    store.clear();
    assert.equal(store.updateStatus(first.sid, { status: 'delivered', at: 40 }), undefined);
  });
});
