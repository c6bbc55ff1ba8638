import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CpuMeter, cpuPer, parseProcStatCpuMs, processCpuMs, processTree } from './cpu.ts';

describe('parseProcStatCpuMs', () => {
  it('reads utime + stime (fields 14 and 15) in ms, with a command name holding spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[11] = '250'; // utime, field 14
    fields[12] = '40'; // stime, field 15
    assert.equal(parseProcStatCpuMs(`1234 (node (x) y) ${fields.join(' ')}\n`), 2_900);
  });

  it('is undefined for text that is not a stat line', () => {
    assert.equal(parseProcStatCpuMs('garbage'), undefined);
    assert.equal(parseProcStatCpuMs('1 (a) R 1'), undefined);
  });
});

describe('CpuMeter', () => {
  it('counts the CPU this process burns between construction and reading', () => {
    const meter = new CpuMeter([process.pid]);
    const until = performance.now() + 120;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    assert.ok(x > 0);
    const spent = meter.elapsedMs();
    // 120 ms of busy loop, read at a 10 ms resolution; a loaded machine may run us less than all of it.
    assert.ok(spent >= 30 && spent <= 1_000, `spent ${spent} ms`);
  });

  it('ignores pids that do not exist', () => {
    assert.equal(new CpuMeter([2 ** 30, undefined]).elapsedMs(), 0);
    assert.equal(processCpuMs(2 ** 30), undefined);
  });

  it('finds this process in its own tree, first', () => {
    assert.equal(processTree(process.pid)[0], process.pid);
  });

  it('cpuPer is NaN without work', () => {
    assert.ok(Number.isNaN(cpuPer(10, 0)));
    assert.equal(cpuPer(10, 4), 2.5);
  });
});
