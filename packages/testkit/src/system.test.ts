/**
 * The launcher itself, in its widest shape: two ingresses behind the load balancer, an sms- and a voice-worker,
 * failover and receipts on. One system for the file: each start costs seconds on a small machine.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { oktaHookRequest } from './okta.ts';
import { type RunningSystem, startSystem } from './system.ts';
import { eventually } from './waiting.ts';

let system: RunningSystem;

before(async () => {
  system = await startSystem({ ingresses: 2, voiceWorkers: 1, failover: true, logLevel: 'info' });
});
after(async () => {
  await system?.stop();
});

const phone = (): string => `+1415556${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;

describe('startSystem', () => {
  it('serves the hook through the load balancer from both ingresses, every service healthy', async () => {
    for (const { url } of system.healthUrls()) assert.equal((await fetch(url)).status, 200, url);
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => system.sendHook(oktaHookRequest({ phoneNumber: phone() }))),
    );
    for (const answer of answers) assert.equal(answer.action?.status, 'SUCCESSFUL');
    const counts = Object.values(system.balancer?.counts() ?? {});
    assert.equal(counts.length, 2);
    assert.ok(
      counts.every((n) => n > 0),
      `both ingresses served: ${counts}`,
    );
  });

  it('delivers a voice call, and the providers’ signed receipts are accepted by the ingress', async () => {
    const to = phone();
    const answer = await system.sendHook(oktaHookRequest({ phoneNumber: to, deliveryChannel: 'voice call' }));
    assert.equal(answer.action?.status, 'SUCCESSFUL');
    const [call] = await system.simMessages({ to, channel: 'voice' });
    assert.ok(call);
    await eventually(async () => {
      const response = await fetch(`${system.simUrl}/sim/callbacks?sid=${call.sid}`);
      const { callbacks } = (await response.json()) as {
        callbacks: { outcome: string; responseStatus: number }[];
      };
      assert.ok(callbacks.length > 0);
      assert.ok(
        callbacks.every((c) => c.outcome === 'delivered' && c.responseStatus === 204),
        JSON.stringify(callbacks),
      );
    });
  });

  it('fails over to Vonage when Twilio is down', async () => {
    await system.setSimFaults({ down: true });
    try {
      const to = phone();
      const answer = await system.sendHook(oktaHookRequest({ phoneNumber: to }));
      assert.equal(answer.action?.provider, 'VONAGE');
      assert.equal((await system.simMessages({ to: to.slice(1), provider: 'vonage' })).length, 1);
    } finally {
      await system.setSimFaults(null);
    }
  });

  it('restarts a killed worker with the same health port', async () => {
    const worker = system.workers[0];
    assert.ok(worker);
    await worker.kill('SIGKILL');
    assert.equal(worker.running, false);
    await worker.start();
    assert.equal(worker.restarts, 1);
    assert.equal((await fetch(`${worker.healthUrl}/readyz`)).status, 200);
  });
});
