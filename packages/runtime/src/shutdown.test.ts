import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '@byot/observability';
import { installShutdown } from './shutdown.ts';

const log = createLogger({ service: 'test', destination: new PassThrough() });

describe('installShutdown', () => {
  it('runs the steps once, in order, and exits 0', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const shutdown = installShutdown(
      [
        { name: 'stop intake', run: async () => void order.push('intake') },
        { name: 'drain', run: async () => void order.push('drain') },
      ],
      { log, deadlineMs: 1_000, signals: [], exit: (code) => exits.push(code) },
    );
    await Promise.all([shutdown(), shutdown()]);
    assert.deepEqual(order, ['intake', 'drain']);
    assert.deepEqual(exits, [0]);
  });

  it('carries on past a failing step and exits 1', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    await installShutdown(
      [
        { name: 'a', run: async () => Promise.reject(new Error('boom')) },
        { name: 'b', run: async () => void order.push('b') },
      ],
      { log, deadlineMs: 1_000, signals: [], exit: (code) => exits.push(code) },
    )();
    assert.deepEqual(order, ['b']);
    assert.deepEqual(exits, [1]);
  });

  it('exits 1 when the deadline passes', async () => {
    const exits: number[] = [];
    void installShutdown([{ name: 'hang', run: () => new Promise(() => {}) }], {
      log,
      deadlineMs: 50,
      signals: [],
      exit: (code) => exits.push(code),
    })();
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(exits, [1]);
  });
});
