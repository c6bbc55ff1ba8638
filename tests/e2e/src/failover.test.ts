/**
 * Provider failover through real processes: Twilio primary, Vonage backup, SendGrid e-mail as last resort, two
 * sms-workers sharing one circuit breaker through Redis, the simulator injecting the faults.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  oktaHookRequest,
  type RunningSystem,
  sendHook,
  setSimFaults,
  simMessages,
  startSystem,
} from '@byot/testkit';
import { responseValidator, testPhone } from './system.ts';

const validResponse = responseValidator();
let system: RunningSystem;

before(async () => {
  system = await startSystem({
    failover: true,
    emailFallback: true,
    workerEnv: { RETRY_BASE_DELAY_MS: '50', RETRY_MAX_DELAY_MS: '400', PROVIDER_TIMEOUT_MS: '800' },
  });
  await system.startWorker(); // two replicas share the breaker
});
after(async () => {
  await system?.stop();
});

async function breakerState(): Promise<string[]> {
  return Promise.all(
    system.workers
      .filter((w) => w.exitInfo === undefined)
      .map(async (w) => {
        const snapshot = (await (await fetch(`${system.workerHealthUrl(w)}/breakers`)).json()) as {
          provider: string;
          state: string;
        }[];
        return snapshot.find((s) => s.provider === 'twilio')?.state ?? 'unknown';
      }),
  );
}

async function deliveredBy(phone: string): Promise<string[]> {
  return (await simMessages(system, phone)).map((m) => m.provider);
}

describe('failover to the backup provider', () => {
  // First, while every breaker is closed: what happens to a bad number must not depend on breaker state.
  it('an invalid number is not retried on the backup: FAILED, nothing sent', async () => {
    const answer = await sendHook(
      system,
      oktaHookRequest({ phoneNumber: '+15005550001', login: 'not-an-email' }),
    );
    assert.equal(answer.action?.status, 'FAILED');
    assert.equal((await simMessages(system, '+15005550001')).length, 0);
  });

  it('e-mails the code as a last resort, only to an e-mail login', async () => {
    const login = `ada.${Date.now()}@example.com`;
    const answer = await sendHook(system, oktaHookRequest({ phoneNumber: '+15005550004', login }));
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    assert.equal(answer.action?.provider, 'SENDGRID');
    const mails = await simMessages(system, login);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]?.channel, 'email');
  });

  it('Twilio hard down (connection refused): Vonage delivers inside the budget, exactly once, and Okta hears VONAGE', async () => {
    await setSimFaults(system, { down: true });
    const outageStarted = performance.now();
    try {
      const phone = testPhone();
      const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
      const firstBackupDeliveryMs = performance.now() - outageStarted;
      assert.equal(answer.status, 200);
      assert.ok(validResponse(answer.body));
      assert.equal(answer.action?.status, 'SUCCESSFUL');
      assert.equal(answer.action?.provider, 'VONAGE');
      assert.deepEqual(await deliveredBy(phone), ['vonage']);
      process.stdout.write(
        `# measured: primary outage to first backup delivery ${Math.round(firstBackupDeliveryMs)} ms\n`,
      );

      // Repeated failures open the shared breaker; afterwards both replicas skip Twilio outright.
      const phones = Array.from({ length: 6 }, () => testPhone());
      for (const p of phones)
        assert.equal(
          (await sendHook(system, oktaHookRequest({ phoneNumber: p }))).action?.provider,
          'VONAGE',
        );
      await eventually(async () => assert.deepEqual(await breakerState(), ['open', 'open']), {
        timeoutMs: 5_000,
      });
      for (const p of phones) assert.deepEqual(await deliveredBy(p), ['vonage']);
    } finally {
      await setSimFaults(system, null);
    }
    // After the cool-down one probe goes to Twilio, succeeds, and closes the breaker for every replica.
    await eventually(
      async () => {
        const phone = testPhone();
        const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
        assert.equal(answer.action?.provider, 'TWILIO');
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
    await eventually(async () => assert.deepEqual(await breakerState(), ['closed', 'closed']), {
      timeoutMs: 5_000,
    });
  });

  it('Twilio answering 500s: every code still arrives once, through either provider', async () => {
    await setSimFaults(system, { errorRate: 1, errorStatus: 500, errorCode: 20500 });
    try {
      const phones = Array.from({ length: 4 }, () => testPhone());
      const answers = await Promise.all(
        phones.map((p) => sendHook(system, oktaHookRequest({ phoneNumber: p }))),
      );
      for (const a of answers) assert.equal(a.action?.status, 'SUCCESSFUL');
      for (const p of phones) assert.deepEqual(await deliveredBy(p), ['vonage']);
    } finally {
      await setSimFaults(system, null);
    }
  });

  it('Twilio hanging past the client timeout: Vonage delivers, Okta gets an answer inside 3 s', async () => {
    await setSimFaults(system, { hangRate: 1 });
    // Let the breaker opened by the previous test cool down, so this send really goes to the hanging Twilio first.
    await new Promise((r) => setTimeout(r, 3_200));
    try {
      const phone = testPhone();
      const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
      assert.ok(answer.ms < 3_000);
      assert.ok(
        answer.ms >= 800,
        `the Twilio attempt should have waited for its 800 ms timeout (${answer.ms} ms)`,
      );
      assert.ok(['SUCCESSFUL', 'PENDING'].includes(answer.action?.status ?? ''));
      await eventually(async () => assert.deepEqual(await deliveredBy(phone), ['vonage']), {
        timeoutMs: 10_000,
      });
    } finally {
      await setSimFaults(system, null);
    }
  });

  it('Twilio throttling with a long Retry-After: the backup takes the code instead of waiting', async () => {
    await setSimFaults(system, { throttleRate: 1, retryAfterSeconds: 30 });
    try {
      const phone = testPhone();
      const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
      assert.equal(answer.action?.provider, 'VONAGE');
      assert.deepEqual(await deliveredBy(phone), ['vonage']);
    } finally {
      await setSimFaults(system, null);
    }
  });

  it('both providers down until the code expires: the chain stops, nothing is delivered late', async () => {
    await setSimFaults(system, { down: true });
    await setSimFaults(system, { errorRate: 1, errorStatus: 503 }, 'vonage');
    const phone = testPhone();
    try {
      const answer = await sendHook(
        system,
        oktaHookRequest({ phoneNumber: phone, expiresInMs: 7_000, login: 'nobody' }),
      );
      // PENDING, or FAILED if the chain already gave up inside the budget.
      assert.ok(['PENDING', 'FAILED'].includes(answer.action?.status ?? ''), answer.action?.status);
      await new Promise((r) => setTimeout(r, 2_500));
    } finally {
      await setSimFaults(system, null);
      await setSimFaults(system, null, 'vonage');
    }
    // The providers are back, but the code has under MIN_OTP_LIFETIME_MS left: nothing may be sent any more.
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal((await simMessages(system, phone)).length, 0);
  });
});
