/**
 * The duration and limit notations of the fraud settings: `15m`, `1h`, `1d` for durations, and `N/<duration>`
 * (`5/15m`, `10/1h`, `200/1d`) or `off` for a velocity limit. One grammar for the environment and a tenant's
 * `policy:`, so an operator writes the same thing in both.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;
const LIMIT = /^(\d{1,9})\s*\/\s*(\d{1,9})?(ms|s|m|h|d)$/;
/** Words that turn a limit off (the environment cannot say "empty": an empty variable means "unset"). */
export const OFF_WORDS: readonly string[] = ['off', 'none', 'false', '0'];

/** A velocity limit: at most `max` codes in any `windowMs` (a sliding window, not a calendar one). */
export interface VelocityLimit {
  max: number;
  windowMs: number;
}

/** `15m` → 900 000. Undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `5/15m` → { max 5, windowMs 900 000 }; `off` → null; anything else → undefined. `10/h` means `10/1h`. */
export function parseLimit(text: string): VelocityLimit | null | undefined {
  const trimmed = text.trim().toLowerCase();
  if (OFF_WORDS.includes(trimmed)) return null;
  const match = LIMIT.exec(trimmed);
  if (!match) return undefined;
  const max = Number(match[1]);
  const windowMs = Number(match[2] ?? '1') * UNIT_MS[match[3] as keyof typeof UNIT_MS];
  if (max < 1 || windowMs < 1) return undefined;
  return { max, windowMs };
}

/** The shortest way to write a duration back (`900000` → `15m`), for logs and the blocks API. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function formatLimit(limit: VelocityLimit | null): string {
  return limit ? `${limit.max}/${formatDuration(limit.windowMs)}` : 'off';
}
