import type { NextFunction, Request, Response } from 'express';
import { randomBase62 } from '../lib/ids.ts';
import { rateLimited, sendOktaError } from '../lib/okta-error.ts';

/** A fault knob: the next N Management API calls answer 429 and say when to come back. */
export interface RateLimitFault {
  /** How many calls get 429. */
  next: number;
  /** X-Rate-Limit-Reset = now + resetSeconds (whole seconds, as Okta sends epoch seconds). Default 1. */
  resetSeconds?: number;
}

/**
 * Okta's rate-limit headers on every Management API answer (`X-Rate-Limit-Limit`, `-Remaining`, `-Reset`, per
 * endpoint family and minute), a real per-minute limit, and an injectable burst of 429s to exercise clients'
 * retries. Every answer also carries an `X-Okta-Request-Id`, which the SDK quotes when it retries.
 */
export class RateLimiter {
  readonly limitPerMinute: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { resetAt: number; used: number }>();
  #fault: Required<RateLimitFault> | null = null;
  /** 429s answered so far (tests and the sandbox read it). */
  throttled = 0;

  constructor(limitPerMinute: number, now: () => number = Date.now) {
    this.limitPerMinute = limitPerMinute;
    this.#now = now;
  }

  inject(fault: RateLimitFault | null): void {
    this.#fault =
      fault && fault.next > 0 ? { next: fault.next, resetSeconds: fault.resetSeconds ?? 1 } : null;
  }

  get fault(): RateLimitFault | null {
    return this.#fault ? { ...this.#fault } : null;
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      res.setHeader('x-okta-request-id', randomBase62(27));
      const nowMs = this.#now();
      const bucket = bucketOf(req.path);
      let window = this.#windows.get(bucket);
      if (!window || window.resetAt * 1000 <= nowMs) {
        window = { resetAt: Math.ceil((nowMs + 60_000) / 1000), used: 0 };
        this.#windows.set(bucket, window);
      }
      window.used += 1;
      const headers = {
        'x-rate-limit-limit': String(this.limitPerMinute),
        'x-rate-limit-remaining': String(Math.max(this.limitPerMinute - window.used, 0)),
        'x-rate-limit-reset': String(window.resetAt),
      };
      if (this.#fault) {
        const fault = this.#fault;
        fault.next -= 1;
        if (fault.next <= 0) this.#fault = null;
        this.throttled += 1;
        sendOktaError(
          res,
          rateLimited({
            ...headers,
            'x-rate-limit-remaining': '0',
            'x-rate-limit-reset': String(Math.ceil(nowMs / 1000) + fault.resetSeconds),
          }),
        );
        return;
      }
      if (window.used > this.limitPerMinute) {
        this.throttled += 1;
        sendOktaError(res, rateLimited({ ...headers, 'x-rate-limit-remaining': '0' }));
        return;
      }
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      next();
    };
  }
}

/** Okta counts limits per endpoint family: /api/v1/inlineHooks/… share one, /api/v1/users/… another. */
function bucketOf(path: string): string {
  return path.split('/').filter(Boolean).slice(0, 1).join('/') || '/';
}
