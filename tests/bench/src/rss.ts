import { readFile } from 'node:fs/promises';

export interface MemoryReading {
  /** Resident set now, bytes. */
  rssBytes: number;
  /** Peak resident set since the process started (VmHWM), bytes. */
  peakBytes: number;
}

/** Reads VmRSS and VmHWM (kB) from the text of /proc/<pid>/status. Undefined when either is missing. */
export function parseProcStatus(text: string): MemoryReading | undefined {
  const kb = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  const rssBytes = kb('VmRSS');
  const peakBytes = kb('VmHWM');
  if (rssBytes === undefined || peakBytes === undefined) return undefined;
  return { rssBytes, peakBytes };
}

export interface PeakMemory {
  service: string;
  peakBytes: number;
  /** The benchmark during which the peak was seen. */
  during: string;
  samples: number;
}

/**
 * Samples the memory of every process the suite starts, by service name (several incarnations of a service —
 * one per benchmark, or four sms-workers — share a name, and the report gives the largest). VmHWM is the kernel's
 * own high-water mark, so a spike between two samples is not missed; a process is read one last time as it is
 * untracked, just before it stops.
 */
export class MemorySampler {
  readonly #tracked = new Map<number, string>();
  readonly #peaks = new Map<string, PeakMemory>();
  #phase = 'start-up';
  #timer: NodeJS.Timeout | undefined;

  readonly intervalMs: number;

  constructor(intervalMs = 500) {
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.sampleAll(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The benchmark now running, credited with any peak seen from now on. */
  set phase(name: string) {
    this.#phase = name;
  }

  track(service: string, pid: number | undefined): void {
    if (pid !== undefined) this.#tracked.set(pid, service);
  }

  /** Reads the process a last time and forgets it (call before stopping it). */
  async untrack(pid: number | undefined): Promise<void> {
    if (pid === undefined) return;
    await this.#sample(pid);
    this.#tracked.delete(pid);
  }

  async sampleAll(): Promise<void> {
    await Promise.all([...this.#tracked.keys()].map((pid) => this.#sample(pid)));
  }

  peaks(): PeakMemory[] {
    return [...this.#peaks.values()].sort((a, b) => a.service.localeCompare(b.service));
  }

  async #sample(pid: number): Promise<void> {
    const service = this.#tracked.get(pid);
    if (service === undefined) return;
    let reading: MemoryReading | undefined;
    try {
      reading = parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
    } catch {
      return; // exited meanwhile (or no /proc): its last reading stands
    }
    if (!reading) return;
    const peak = Math.max(reading.peakBytes, reading.rssBytes);
    const known = this.#peaks.get(service);
    if (!known) {
      this.#peaks.set(service, { service, peakBytes: peak, during: this.#phase, samples: 1 });
      return;
    }
    known.samples++;
    if (peak > known.peakBytes) {
      known.peakBytes = peak;
      known.during = this.#phase;
    }
  }
}
