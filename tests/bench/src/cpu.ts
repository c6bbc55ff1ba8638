import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of processes from /proc/<pid>/stat (utime + stime): what a hook or a message costs in CPU, whatever
 * else shares the cores. Clock ticks are USER_HZ, 100 per second on Linux (the kernel's exported unit, fixed by
 * its ABI whatever CONFIG_HZ is): a 10 ms resolution, fine over runs of thousands of requests.
 */
export const TICK_MS = 10;

/** utime + stime (ms) from the text of /proc/<pid>/stat; undefined when it does not parse. */
export function parseProcStatCpuMs(text: string): number | undefined {
  // The command name (field 2) is in parentheses and may itself hold spaces or ')': count from the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (field 15) fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) * TICK_MS;
}

/** CPU ms of one process so far, undefined when it is gone (or there is no /proc). */
export function processCpuMs(pid: number): number | undefined {
  try {
    return parseProcStatCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A process and its descendants (INGRESS_PROCESSES forks its copies), from /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const found: number[] = [pid];
  for (let i = 0; i < found.length; i++) {
    const parent = found[i] as number;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const children = readFileSync(`/proc/${parent}/task/${tid}/children`, 'utf8').trim();
        if (children) found.push(...children.split(/\s+/).map(Number));
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return found;
}

/**
 * CPU spent by a set of processes between start() and stop(): each pid's own utime + stime difference, summed.
 * The pids are fixed at the start (a process tree is read once then), so a copy started later is not counted.
 */
export class CpuMeter {
  readonly #before = new Map<number, number>();

  constructor(pids: readonly (number | undefined)[]) {
    for (const pid of pids) {
      if (pid === undefined) continue;
      const ms = processCpuMs(pid);
      if (ms !== undefined) this.#before.set(pid, ms);
    }
  }

  /** CPU ms since construction, over the pids still readable (one that exited meanwhile adds nothing). */
  elapsedMs(): number {
    let total = 0;
    for (const [pid, before] of this.#before) {
      const now = processCpuMs(pid);
      if (now !== undefined) total += now - before;
    }
    return total;
  }
}

/** CPU ms per unit of work (NaN for no work: "nothing measured" must not read as free). */
export function cpuPer(cpuMs: number, units: number): number {
  return units > 0 ? cpuMs / units : Number.NaN;
}
