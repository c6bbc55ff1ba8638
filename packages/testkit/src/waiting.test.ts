import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from './waiting.ts';

test('eventually retries until the assertion passes and returns its value', async () => {
  let calls = 0;
  const value = await eventually(
    async () => {
      calls += 1;
      assert.ok(calls >= 3, `only ${calls} calls`);
      return calls;
    },
    { timeoutMs: 1_000, intervalMs: 5 },
  );
  assert.equal(value, 3);
});

test('eventually rethrows the last assertion error unchanged on timeout', async () => {
  let calls = 0;
  await assert.rejects(
    eventually(
      () => {
        calls += 1;
        assert.equal(calls, -1);
      },
      { timeoutMs: 60, intervalMs: 10 },
    ),
    (error: unknown) => {
      assert.ok(error instanceof assert.AssertionError);
      assert.equal(error.actual, calls);
      return true;
    },
  );
  assert.ok(calls >= 2);
});

test('eventually gives up on an attempt that never settles', async () => {
  await assert.rejects(
    eventually(() => new Promise(() => {}), { timeoutMs: 10 }),
    /still running after 10 ms/,
  );
});
