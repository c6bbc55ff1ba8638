import { randomBytes } from 'node:crypto';
import type { OktaRequestType } from '@byot/contracts';
import { oktaHookRequest, spreadPhone } from '@byot/testkit';

const EVENT_ID = '__BENCH_EVENT_ID__';
const PHONE = '+10000000000';
const USER_ID = '__BENCH_USER_ID__';
let runs = 0;

/**
 * Realistic Okta hook bodies with a fresh eventId each (the same eventId again is a duplicate: byot would answer
 * from its record and enqueue nothing). Built from one serialised template, so the load generator spends
 * microseconds per request, not a JSON.stringify of a freshly randomised object — the generator shares the two
 * cores with what it measures. `phoneNumber` lets a benchmark count its own deliveries at the simulator.
 */
export function hookBodies(
  options: {
    phoneNumber?: string;
    /**
     * Many people instead of one: each hook its own user id and a different valid US number, spread over
     * 1 000-blocks (what the fraud controls see of real traffic). `phoneNumber` is then ignored.
     */
    people?: boolean;
    requestType?: OktaRequestType;
    /** Okta's deliveryChannel (default SMS; "Voice Call" for the voice-worker). */
    deliveryChannel?: string;
  } = {},
): { next(): string; count(): number } {
  const template = JSON.stringify(
    oktaHookRequest({
      eventId: EVENT_ID,
      ...(options.people ? { phoneNumber: PHONE, userId: USER_ID } : {}),
      ...(options.phoneNumber && !options.people ? { phoneNumber: options.phoneNumber } : {}),
      ...(options.requestType ? { requestType: options.requestType } : {}),
      ...(options.deliveryChannel ? { deliveryChannel: options.deliveryChannel } : {}),
    }),
  );
  // Letters first: BullMQ refuses all-digit job ids, and ids must be unique across runs sharing one Redis.
  const prefix = `bench${randomBytes(3).toString('hex')}r${(runs++).toString(36)}x`;
  const offset = runs * 100_000;
  let n = 0;
  if (options.people) {
    const [head, afterId] = template.split(EVENT_ID) as [string, string];
    const [beforeUser, afterUser] = afterId.split(USER_ID) as [string, string];
    const [beforePhone, tail] = afterUser.split(PHONE) as [string, string];
    return {
      next: () => {
        const id = (n++).toString(36).padStart(5, '0');
        return `${head}${prefix}${id}${beforeUser}00u${prefix}${id}${beforePhone}${spreadPhone('US', offset + n)}${tail}`;
      },
      count: () => n,
    };
  }
  const [head, tail] = template.split(EVENT_ID) as [string, string];
  return {
    next: () => `${head}${prefix}${(n++).toString(36).padStart(5, '0')}${tail}`,
    count: () => n,
  };
}

/** A distinct, valid-looking US number (555-01xx: reserved for fiction) per benchmark phase. */
export function benchPhone(index: number): string {
  return `+1202555${String(100 + (index % 100)).padStart(4, '0')}`;
}
