/** Okta's timestamps: ISO-8601 UTC with milliseconds, e.g. "2026-12-01T20:24:37.000Z". */
export function isoNow(now: number = Date.now()): string {
  return new Date(now).toISOString();
}
