/**
 * Process lifecycle of the services as deployed: configuration errors stop a service with a clear message, and
 * SIGTERM drains what was accepted instead of dropping it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  nodeServiceArgs,
  oktaHookRequest,
  type RunningSystem,
  repoRoot,
  sendHook,
  setSimFaults,
  simMessages,
  startProcess,
  startSystem,
} from '@byot/testkit';
import { testPhone } from './system.ts';

describe('configuration errors', () => {
  for (const service of ['hook-ingress', 'sms-worker']) {
    it(`${service} refuses to start on bad configuration, naming each problem and no value`, async () => {
      const secretLooking = 'short-secret';
      const child = await startProcess({
        name: service,
        args: nodeServiceArgs(join(repoRoot(), `services/${service}/src/main.ts`)),
        env: {
          DATA_ENCRYPTION_KEY: 'not-a-key',
          OKTA_HOOK_AUTH_SECRET: secretLooking,
          TWILIO_AUTH_TOKEN: secretLooking,
          HOOK_RESPONSE_BUDGET_MS: '2900',
          REDIS_URL: 'http://nope',
        },
      });
      const exit = await child.exited;
      assert.equal(exit.code, 78);
      const output = child.output();
      assert.match(output, /Invalid configuration/);
      assert.match(output, /DATA_ENCRYPTION_KEY: must be 32 bytes/);
      assert.match(output, /REDIS_URL: must start with redis:\/\//);
      if (service === 'hook-ingress') {
        assert.match(output, /HOOK_RESPONSE_BUDGET_MS: must be at most 2500/);
        assert.match(output, /OKTA_HOOK_AUTH_SECRET: must be at least 16 characters/);
      } else {
        assert.match(output, /TWILIO_ACCOUNT_SID/);
      }
      assert.ok(!output.includes(secretLooking));
    });
  }
});

describe('graceful shutdown', () => {
  let system: RunningSystem;
  before(async () => {
    system = await startSystem({ budgetMs: 300 });
  });
  after(async () => {
    await system?.stop();
  });

  it('a worker given SIGTERM mid-send finishes the send before exiting', async () => {
    await setSimFaults(system, { latencyMs: 1_500 });
    const phone = testPhone();
    try {
      const answer = await sendHook(system, oktaHookRequest({ phoneNumber: phone }));
      assert.equal(answer.action?.status, 'PENDING');
      const worker = system.workers[0];
      assert.ok(worker);
      await worker.waitForLine(/"msg":"sms-worker started"/);
      const exit = await worker.stop('SIGTERM', 20_000);
      assert.equal(exit.code, 0, worker.output().slice(-1500));
      assert.match(worker.output(), /drain in-flight sends/);
      assert.equal((await simMessages(system, phone)).length, 1);
    } finally {
      await setSimFaults(system, null);
    }
  });

  it('hook-ingress given SIGTERM answers the hook it is serving, then exits', async () => {
    await setSimFaults(system, { latencyMs: 5_000 });
    await system.startWorker();
    try {
      const pending = sendHook(system, oktaHookRequest({ phoneNumber: testPhone() }));
      await new Promise((r) => setTimeout(r, 100));
      const stopping = system.ingress.stop('SIGTERM', 10_000);
      const answer = await pending;
      assert.equal(answer.status, 200);
      assert.equal(answer.action?.status, 'PENDING');
      assert.equal((await stopping).code, 0);
      await eventually(async () => assert.match(system.ingress.output(), /shutdown complete/), {
        timeoutMs: 2_000,
      });
    } finally {
      await setSimFaults(system, null);
    }
  });
});
