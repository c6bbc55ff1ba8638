import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultConfigSchema, InitialFaultsSchema } from './fault-config.ts';
import { FaultController } from './fault-controller.ts';

/** A random source that replays the given values, then repeats the last. */
function sequence(...values: number[]): () => number {
  let index = 0;
  return () => values[Math.min(index++, values.length - 1)] ?? 0;
}

describe('FaultConfigSchema', () => {
  it('accepts the documented fields', () => {
    const config = {
      latencyMs: { min: 10, max: 20 },
      errorRate: 0.1,
      errorStatus: 503,
      errorCode: 20503,
      throttleRate: 0.2,
      retryAfterSeconds: 3,
      hangRate: 0.05,
      invalidNumberRate: 0.01,
    };
    assert.deepEqual(FaultConfigSchema.parse(config), config);
    assert.deepEqual(FaultConfigSchema.parse({ latencyMs: 250 }), { latencyMs: 250 });
  });

  it('rejects unknown keys, out-of-range rates and inverted latency ranges', () => {
    assert.equal(
      FaultConfigSchema.safeParse({ errorrate: 0.5 }).success,
      false,
      'a typo must not pass silently',
    );
    assert.equal(FaultConfigSchema.safeParse({ errorRate: 1.5 }).success, false);
    assert.equal(FaultConfigSchema.safeParse({ errorStatus: 200 }).success, false);
    assert.equal(FaultConfigSchema.safeParse({ latencyMs: -1 }).success, false);
    const inverted = FaultConfigSchema.safeParse({ latencyMs: { min: 50, max: 10 } });
    assert.equal(inverted.success, false);
    assert.match(JSON.stringify(inverted.error?.issues), /min must not exceed max/);
  });

  it('keys start-up faults by provider and refuses unknown providers', () => {
    assert.deepEqual(InitialFaultsSchema.parse({ twilio: { errorRate: 1 } }), { twilio: { errorRate: 1 } });
    assert.equal(InitialFaultsSchema.safeParse({ twillio: {} }).success, false);
  });
});

describe('FaultController', () => {
  it('decides nothing when no fault is set, with the baseline latency', () => {
    const faults = new FaultController({ baselineLatencyMs: { twilio: 40 } });
    assert.deepEqual(faults.decide('twilio'), {
      latencyMs: 40,
      action: { kind: 'none' },
      invalidNumber: false,
    });
    assert.equal(faults.isActive('twilio'), false);
  });

  it('fires rate 1 always and checks hang, then throttle, then error', () => {
    const faults = new FaultController({
      initial: { twilio: { hangRate: 1, throttleRate: 1, errorRate: 1 } },
    });
    assert.deepEqual(faults.decide('twilio').action, { kind: 'hang' });
    faults.set('twilio', { throttleRate: 1, errorRate: 1, retryAfterSeconds: 7 });
    assert.deepEqual(faults.decide('twilio').action, { kind: 'throttle', retryAfterSeconds: 7 });
    faults.set('twilio', { errorRate: 1, errorStatus: 503 });
    assert.deepEqual(faults.decide('twilio').action, { kind: 'error', status: 503, code: undefined });
    faults.set('twilio', { errorRate: 1 });
    assert.deepEqual(faults.decide('twilio').action, { kind: 'error', status: 500, code: undefined });
  });

  it('rolls each rate independently against the random source', () => {
    const faults = new FaultController({
      initial: { twilio: { hangRate: 0.3, errorRate: 0.5, invalidNumberRate: 0.2 } },
      random: sequence(0.4, 0.45, 0.1),
    });
    // hang: 0.4 ≥ 0.3 no; error: 0.45 < 0.5 yes; invalid number: 0.1 < 0.2 yes.
    assert.deepEqual(faults.decide('twilio'), {
      latencyMs: 0,
      action: { kind: 'error', status: 500, code: undefined },
      invalidNumber: true,
    });
  });

  it('samples a latency range uniformly and inclusively', () => {
    const low = new FaultController({
      initial: { twilio: { latencyMs: { min: 100, max: 200 } } },
      random: () => 0,
    });
    const high = new FaultController({
      initial: { twilio: { latencyMs: { min: 100, max: 200 } } },
      random: () => 0.999_999,
    });
    assert.equal(low.decide('twilio').latencyMs, 100);
    assert.equal(high.decide('twilio').latencyMs, 200);
  });

  it('set() replaces, clear() keeps the baseline latency, get() returns copies', () => {
    const faults = new FaultController({ baselineLatencyMs: { twilio: 15 } });
    faults.set('twilio', { errorRate: 1, latencyMs: 500 });
    faults.set('twilio', { throttleRate: 1 });
    assert.deepEqual(faults.get('twilio'), { throttleRate: 1 });
    assert.ok(faults.isActive('twilio'));
    const copy = faults.get('twilio');
    copy.errorRate = 1;
    assert.deepEqual(faults.get('twilio'), { throttleRate: 1 });
    faults.clear('twilio');
    assert.deepEqual(faults.snapshot(), { twilio: {}, vonage: {}, sendgrid: {} });
    assert.equal(faults.decide('twilio').latencyMs, 15);
  });
});

describe('FaultController, down', () => {
  it('reports down, notifies subscribers and waits for them to settle', async () => {
    const faults = new FaultController({ initial: { vonage: { down: true } } });
    assert.equal(faults.isDown('vonage'), true);
    assert.equal(faults.isDown('twilio'), false);
    assert.equal(faults.isActive('vonage'), true);

    const seen: string[] = [];
    let finished = false;
    const unsubscribe = faults.subscribe(async (provider, config) => {
      seen.push(`${provider}:${config.down === true}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished = true;
    });
    faults.set('twilio', { down: true });
    faults.clear('vonage');
    await faults.settled();
    assert.ok(finished);
    assert.deepEqual(seen, ['twilio:true', 'vonage:false']);
    unsubscribe();
    faults.clearAll();
    assert.equal(seen.length, 2);
    assert.equal(faults.isDown('twilio'), false);
  });
});
