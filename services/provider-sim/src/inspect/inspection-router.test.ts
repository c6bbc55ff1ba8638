import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { obj, postForm, request, startTestSimulator, type TestSimulator } from '../testing/harness.ts';

describe('inspection API (/sim)', () => {
  let t: TestSimulator;
  let clock = 1_000_000;

  before(async () => {
    t = await startTestSimulator({ now: () => clock, twilio: { baselineLatencyMs: 0 } });
  });
  after(() => t.close());
  beforeEach(() => {
    t.sim.store.clear();
    t.sim.faults.clearAll();
  });

  async function sendSms(to: string, body: string): Promise<string> {
    const res = await postForm(
      `${t.accountUrl}/Messages.json`,
      { To: to, From: '+15557654321', Body: body },
      { authorization: t.authorization },
    );
    return String(obj(res.body).sid);
  }

  async function messages(query: string): Promise<Record<string, unknown>[]> {
    const res = await request(`${t.url}/sim/messages${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (obj(res.body).messages as unknown[]).map(obj);
  }

  it('lists delivered messages newest last, filtered by a literal "+" number, channel and time', async () => {
    clock = 1_000;
    await sendSms('+15551111111', 'first');
    clock = 2_000;
    await sendSms('+15552222222', 'other');
    clock = 3_000;
    await sendSms('+15551111111', 'second');

    assert.deepEqual(
      (await messages('?to=+15551111111')).map((m) => m.body),
      ['first', 'second'],
    );
    assert.deepEqual(
      (await messages('?to=%2B15551111111&since=2000')).map((m) => m.body),
      ['second'],
    );
    assert.equal((await messages('?channel=voice')).length, 0);
    assert.equal((await messages('?limit=1')).at(0)?.body, 'second');
  });

  it('shows refused requests with outcome=any, so a test can prove that nothing arrived', async () => {
    assert.deepEqual(await messages('?to=+15551111111&outcome=any'), []);
    await postForm(
      `${t.accountUrl}/Messages.json`,
      { To: '+15551111111', From: '+15557654321' },
      { authorization: t.authorization },
    );
    const [refused] = await messages('?to=+15551111111&outcome=any');
    assert.equal(refused?.outcome, 'rejected');
    assert.equal(refused?.errorCode, 21602);
    assert.equal((await messages('?to=+15551111111')).length, 0);
  });

  it('rejects unknown or malformed filters instead of ignoring them', async () => {
    for (const query of ['?chanel=sms', '?channel=fax', '?since=yesterday', '?outcome=lost']) {
      const res = await request(`${t.url}/sim/messages${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(obj(res.body).error, 'invalid_query');
    }
  });

  it('reads one record by sid, and 404s an unknown sid', async () => {
    const sid = await sendSms('+15551111111', 'hello');
    const res = await request(`${t.url}/sim/messages/${sid}`);
    assert.equal(res.status, 200);
    assert.equal(obj(res.body).body, 'hello');
    assert.equal((await request(`${t.url}/sim/messages/SMnope`)).status, 404);
  });

  it('resets with DELETE /sim/messages and counts with /sim/stats', async () => {
    await sendSms('+15551111111', 'a');
    await postForm(
      `${t.accountUrl}/Messages.json`,
      { To: '+15005550004', From: '+15557654321', Body: 'b' },
      { authorization: t.authorization },
    );
    const stats = obj((await request(`${t.url}/sim/stats`)).body);
    assert.deepEqual(stats.totals, { accepted: 1, rejected: 1, faulted: 0 });
    assert.deepEqual(obj(obj(stats.byProvider).twilio).sms, { accepted: 1, rejected: 1, faulted: 0 });
    assert.deepEqual(stats.byErrorCode, { '21610': 1 });

    const reset = await request(`${t.url}/sim/messages`, { method: 'DELETE' });
    assert.deepEqual(reset.body, { deleted: 2 });
    assert.deepEqual(obj((await request(`${t.url}/sim/stats`)).body).totals, {
      accepted: 0,
      rejected: 0,
      faulted: 0,
    });
  });

  describe('faults', () => {
    it('reads, replaces and clears a provider’s faults', async () => {
      const initial = await request(`${t.url}/sim/faults/twilio`);
      assert.deepEqual(initial.body, { provider: 'twilio', faults: {}, baselineLatencyMs: 0 });

      const put = await request(`${t.url}/sim/faults/twilio`, {
        method: 'PUT',
        json: { errorRate: 0.5, errorStatus: 503, latencyMs: { min: 10, max: 20 } },
      });
      assert.equal(put.status, 200);
      assert.deepEqual(obj(put.body).faults, {
        errorRate: 0.5,
        errorStatus: 503,
        latencyMs: { min: 10, max: 20 },
      });
      assert.deepEqual(t.sim.faults.get('twilio'), {
        errorRate: 0.5,
        errorStatus: 503,
        latencyMs: { min: 10, max: 20 },
      });

      const all = await request(`${t.url}/sim/faults`);
      assert.deepEqual(obj(obj(all.body).faults).twilio, {
        errorRate: 0.5,
        errorStatus: 503,
        latencyMs: { min: 10, max: 20 },
      });

      const cleared = await request(`${t.url}/sim/faults/twilio`, { method: 'DELETE' });
      assert.deepEqual(obj(cleared.body).faults, {});
    });

    it('explains invalid fault settings and leaves the current ones alone', async () => {
      t.sim.faults.set('twilio', { latencyMs: 5 });
      const res = await request(`${t.url}/sim/faults/twilio`, {
        method: 'PUT',
        json: { errorRate: 2, hangrate: 1 },
      });
      assert.equal(res.status, 400);
      const body = obj(res.body);
      assert.equal(body.error, 'invalid_faults');
      const paths = (body.issues as unknown[]).map((issue) => String(obj(issue).path));
      assert.ok(paths.includes('errorRate'), JSON.stringify(body.issues));
      assert.match(JSON.stringify(body.issues), /hangrate/);
      assert.deepEqual(t.sim.faults.get('twilio'), { latencyMs: 5 });
    });

    it('answers 400 for a body that is not JSON and 404 for an unknown provider', async () => {
      const broken = await fetch(`${t.url}/sim/faults/twilio`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{errorRate: 1',
      });
      assert.equal(broken.status, 400);
      assert.equal(((await broken.json()) as { error: string }).error, 'bad_request');
      const unknown = await request(`${t.url}/sim/faults/nexmo`, { method: 'PUT', json: {} });
      assert.equal(unknown.status, 404);
      assert.match(String(obj(unknown.body).message), /known: twilio, vonage, sendgrid/);
    });
  });

  it('answers unknown /sim endpoints with a JSON 404', async () => {
    const res = await request(`${t.url}/sim/nothing`);
    assert.equal(res.status, 404);
    assert.equal(obj(res.body).error, 'not_found');
  });
});
