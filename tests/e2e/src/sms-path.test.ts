/**
 * The SMS path end to end, through real processes: Redis, the provider simulator, hook-ingress and sms-workers,
 * each a separate OS process talking over loopback, exactly as deployed (minus real providers).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  oktaHookRequest,
  type RunningSystem,
  randomOtp,
  sendHook,
  setSimFaults,
  simMessages,
  startSystem,
} from '@byot/testkit';
import { responseValidator, testPhone } from './system.ts';

const validResponse = responseValidator();
const secretsSeen: string[] = [];
let system: RunningSystem;

before(async () => {
  // Fast backoff so retry tests finish quickly; the policy is the same, only its time scale differs.
  system = await startSystem({ workerEnv: { RETRY_BASE_DELAY_MS: '50', RETRY_MAX_DELAY_MS: '400' } });
});
after(async () => {
  await system?.stop();
});

describe('SMS end to end', () => {
  it("delivers the code to the phone and answers Okta SUCCESSFUL with Twilio's message SID", async () => {
    const phone = testPhone();
    const otpCode = randomOtp(6);
    secretsSeen.push(otpCode, phone);
    const hook = oktaHookRequest({
      phoneNumber: phone,
      otpCode,
      msgTemplate: `Your Acme code is ${otpCode}`,
    });
    const answer = await sendHook(system, hook);
    assert.equal(answer.status, 200);
    assert.ok(validResponse(answer.body), JSON.stringify(answer.body));
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    assert.equal(answer.action?.provider, 'TWILIO');
    assert.match(answer.action?.transactionId ?? '', /^SM[0-9a-f]{32}$/);
    assert.ok(answer.ms < 2_500, `answered in ${answer.ms} ms`);

    const [message, ...others] = await simMessages(system, phone);
    assert.equal(others.length, 0);
    assert.equal(message?.sid, answer.action?.transactionId);
    assert.equal(message?.body, `Your Acme code is ${otpCode}`);
    // ValidityPeriod follows the code's remaining lifetime (5 minutes in the hook).
    assert.ok((message?.validityPeriod ?? 0) > 280 && (message?.validityPeriod ?? 0) <= 300);
  });

  it('reads a national number in the default region (Okta sample style)', async () => {
    const national = testPhone().slice(2);
    secretsSeen.push(national);
    const answer = await sendHook(system, oktaHookRequest({ phoneNumber: national }));
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    assert.equal((await simMessages(system, `+1${national}`)).length, 1);
  });

  it('sends one SMS for the same eventId sent 20 times at once and again later, with the same answer', async () => {
    const phone = testPhone();
    secretsSeen.push(phone);
    const hook = oktaHookRequest({ phoneNumber: phone });
    const answers = await Promise.all(Array.from({ length: 20 }, () => sendHook(system, hook)));
    const again = await sendHook(system, hook);
    const ids = new Set([...answers, again].map((a) => `${a.action?.status} ${a.action?.transactionId}`));
    assert.equal(ids.size, 1, [...ids].join(', '));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await simMessages(system, phone)).length, 1);
  });

  it('does not send an expired code, and says FAILED', async () => {
    const phone = testPhone();
    const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone, expiresInMs: -1 }));
    assert.equal(answer.action?.status, 'FAILED');
    assert.ok(validResponse(answer.body));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await simMessages(system, phone)).length, 0);
  });

  it('answers FAILED at once for a number Twilio refuses for good (21211), without retrying', async () => {
    const answer = await sendHook(system, oktaHookRequest({ phoneNumber: '+15005550001' }));
    assert.equal(answer.action?.status, 'FAILED');
    assert.match(answer.action?.transactionMetadata ?? '', /21211/);
    const attempts = await fetch(`${system.simUrl}/sim/messages?to=%2B15005550001&outcome=any`);
    assert.equal(((await attempts.json()) as { messages: unknown[] }).messages.length, 1);
  });

  it('answers PENDING inside the budget when Twilio is slow, and the code still arrives', async () => {
    await setSimFaults(system, { latencyMs: 2_600 });
    try {
      const phone = testPhone();
      secretsSeen.push(phone);
      const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
      assert.equal(answer.action?.status, 'PENDING');
      assert.match(answer.action?.transactionId ?? '', /^byot-/);
      assert.ok(answer.ms < 2_600, `answered in ${answer.ms} ms`);
      await eventually(async () => assert.equal((await simMessages(system, phone)).length, 1), {
        timeoutMs: 8_000,
      });
    } finally {
      await setSimFaults(system, null);
    }
  });

  it('retries Twilio 5xx answers and delivers exactly once', async () => {
    await setSimFaults(system, { errorRate: 0.6, errorStatus: 500, errorCode: 20500 });
    try {
      const phones = Array.from({ length: 5 }, () => testPhone());
      secretsSeen.push(...phones);
      const answers = await Promise.all(
        phones.map((p) => sendHook(system, oktaHookRequest({ phoneNumber: p }))),
      );
      for (const answer of answers)
        assert.ok(['SUCCESSFUL', 'PENDING'].includes(answer.action?.status ?? ''));
      for (const phone of phones) {
        await eventually(async () => assert.equal((await simMessages(system, phone)).length, 1), {
          timeoutMs: 20_000,
        });
      }
      await new Promise((r) => setTimeout(r, 500));
      for (const phone of phones)
        assert.equal((await simMessages(system, phone)).length, 1, 'delivered twice');
    } finally {
      await setSimFaults(system, null);
    }
  });

  it('lets Okta fall back (fast non-200) while Redis is down, and never sends that code later', async () => {
    await system.redis.kill('SIGKILL');
    const phone = testPhone();
    secretsSeen.push(phone);
    try {
      // Give the ingress a moment to notice the dead connection.
      await eventually(
        async () => {
          const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
          assert.equal(answer.status, 503);
          assert.ok(validResponse(answer.body));
          assert.ok(answer.ms < 1_000, `answered in ${answer.ms} ms`);
        },
        { timeoutMs: 5_000 },
      );
    } finally {
      await system.redis.restart();
    }
    // Once Redis is back, the system recovers and nothing is sent for the fallen-back code.
    await eventually(
      async () => {
        const answer = await sendHook(system, oktaHookRequest({ phoneNumber: testPhone() }));
        assert.equal(answer.action?.status, 'SUCCESSFUL');
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    assert.equal((await simMessages(system, phone)).length, 0);
  });

  it('keeps an accepted job across a worker SIGKILL: another worker delivers it', async () => {
    await setSimFaults(system, { latencyMs: 3_000 });
    const second = await system.startWorker();
    const phone = testPhone();
    secretsSeen.push(phone);
    try {
      const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
      assert.equal(answer.action?.status, 'PENDING');
      // Whichever worker holds it, kill the first; the job is redelivered when its lock lapses.
      await system.workers[0]?.kill('SIGKILL');
      await setSimFaults(system, null);
      await eventually(async () => assert.ok((await simMessages(system, phone)).length >= 1), {
        timeoutMs: 30_000,
        intervalMs: 250,
      });
      // The killed worker's request may have reached Twilio before it died: at most one repeat (ADR 0003).
      await new Promise((r) => setTimeout(r, 1_000));
      assert.ok((await simMessages(system, phone)).length <= 2);
    } finally {
      await setSimFaults(system, null);
    }
    assert.ok(second.exitInfo === undefined, 'the second worker is still running');
  });

  it('never writes an OTP or a full phone number to any log line', () => {
    for (const process of system.all()) {
      if (process.name === 'provider-sim') continue; // the simulated phone shows codes on purpose, not in logs
      const output = process.output();
      assert.ok(output.length > 0, `${process.name} logged nothing`);
      for (const secret of secretsSeen) {
        assert.ok(!output.includes(secret), `${process.name} logged a secret (${secret.length} chars)`);
        assert.ok(!output.includes(secret.replace(/^\+/, '')), `${process.name} logged a number`);
      }
    }
  });
});
