import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisServerProcess } from '@byot/testkit';
import { parseInfo, redisUsedMemory } from './redis-info.ts';
import { MemorySampler, parseProcStatus } from './rss.ts';

describe('parseProcStatus', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    const text = 'Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\nThreads:\t7\n';
    assert.deepEqual(parseProcStatus(text), { rssBytes: 1024 * 1024, peakBytes: 2048 * 1024 });
  });

  it('is undefined for a kernel thread or a zombie (no Vm lines)', () => {
    assert.equal(parseProcStatus('Name:\tkthreadd\nState:\tS (sleeping)\n'), undefined);
  });
});

describe('MemorySampler', () => {
  it('records the peak of a live process under its service name and phase', async () => {
    const sampler = new MemorySampler();
    sampler.phase = 'unit';
    sampler.track('self', process.pid);
    await sampler.untrack(process.pid);
    const [peak] = sampler.peaks();
    assert.equal(peak?.service, 'self');
    assert.equal(peak?.during, 'unit');
    assert.ok((peak?.peakBytes ?? 0) > 1024 * 1024);
  });
});

describe('parseInfo', () => {
  it('keeps key:value lines and skips section headers', () => {
    const fields = parseInfo('# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\n\r\n');
    assert.equal(fields.get('used_memory'), '1048576');
    assert.equal(fields.get('used_memory_human'), '1.00M');
    assert.equal(fields.size, 2);
  });
});

describe('redisUsedMemory', () => {
  let redis: RedisServerProcess;
  before(async () => {
    redis = await RedisServerProcess.start();
  });
  after(async () => {
    await redis.stop();
  });

  it('reads used_memory from a real Redis', async () => {
    assert.ok((await redisUsedMemory(redis.url)) > 100_000);
  });
});
