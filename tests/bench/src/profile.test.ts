import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type CpuProfile, describeFrame, pidOfProfile, topSelfTime } from './profile.ts';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

it('ranks functions by self time, merging call sites of the same function', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 100_000, // 100 ms in µs
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), hitCount: 0 },
      { id: 2, callFrame: frame('(idle)', ''), hitCount: 50 },
      { id: 3, callFrame: frame('parse', 'file:///repo/node_modules/zod/v4/core.js', 9), hitCount: 20 },
      { id: 4, callFrame: frame('parse', 'file:///repo/node_modules/zod/v4/core.js', 9), hitCount: 10 },
      { id: 5, callFrame: frame('seal', 'file:///repo/packages/sealing/src/sealer.ts', 41), hitCount: 20 },
    ],
  };
  assert.deepEqual(topSelfTime(profile, 2), [
    { frame: '(idle)', selfMs: 50, share: 0.5 },
    { frame: 'parse (zod/v4/core.js:10)', selfMs: 30, share: 0.3 },
  ]);
});

it('names anonymous functions and shortens repository paths', () => {
  assert.equal(
    describeFrame(frame('', 'file:///work/main/services/hook-ingress/src/app.ts', 4)),
    '(anonymous) (services/hook-ingress/src/app.ts:5)',
  );
  assert.equal(describeFrame(frame('(garbage collector)', '')), '(garbage collector)');
});

it('is empty for a profile without samples', () => {
  assert.deepEqual(topSelfTime({ startTime: 0, endTime: 1, nodes: [] }), []);
});

it("reads the pid from node's profile file name (which service it was)", () => {
  assert.equal(pidOfProfile('CPU.20261202.161645.13633.0.001.cpuprofile'), 13633);
  assert.equal(pidOfProfile('Heap.20261202.161645.13633.0.001.heapprofile'), undefined);
  assert.equal(pidOfProfile('CPU.nope.cpuprofile'), undefined);
});
