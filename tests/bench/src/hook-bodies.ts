import { randomBytes } from 'node:crypto';
import { oktaHookRequest } from '@byot/testkit';

const EVENT_ID = '__BENCH_EVENT_ID__';
let runs = 0;

/**
 * Realistic Okta hook bodies with a fresh eventId each (the same eventId again is a duplicate: byot would answer
 * from its record and enqueue nothing). Built from one serialised template, so the load generator spends
 * microseconds per request, not a JSON.stringify of a freshly randomised object — the generator shares the two
 * cores with what it measures. `phoneNumber` lets a benchmark count its own deliveries at the simulator.
 */
export function hookBodies(options: { phoneNumber?: string } = {}): { next(): string; count(): number } {
  const template = JSON.stringify(
    oktaHookRequest({
      eventId: EVENT_ID,
      ...(options.phoneNumber ? { phoneNumber: options.phoneNumber } : {}),
    }),
  );
  const [head, tail] = template.split(EVENT_ID) as [string, string];
  // Letters first: BullMQ refuses all-digit job ids, and ids must be unique across runs sharing one Redis.
  const prefix = `bench${randomBytes(3).toString('hex')}r${(runs++).toString(36)}x`;
  let n = 0;
  return {
    next: () => `${head}${prefix}${(n++).toString(36).padStart(5, '0')}${tail}`,
    count: () => n,
  };
}

/** A distinct, valid-looking US number (555-01xx: reserved for fiction) per benchmark phase. */
export function benchPhone(index: number): string {
  return `+1202555${String(100 + (index % 100)).padStart(4, '0')}`;
}
