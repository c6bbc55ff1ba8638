/**
 * Tenants: one deployment serves many customer Okta orgs (issue 13). A tenant id is short, lowercase and safe in
 * URL paths, Redis keys, BullMQ job ids and metric labels; the single-org setup is the tenant `default`.
 */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const DEFAULT_TENANT_ID = 'default';

export function isTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}

/**
 * A delivery's identity inside byot. Okta's eventIds are unique per org only, so the same eventId from two orgs
 * must be two deliveries: everything downstream of the hook (job ids, delivery records, the ledger, outcomes,
 * receipts' index) is keyed by this scoped id. The `default` tenant's is the bare eventId, so the single-org
 * setup keeps the keys and job ids it has always had and a rolling upgrade moves nothing. `.` is in neither
 * alphabet (tenant ids: [a-z0-9-]; eventIds: [A-Za-z0-9_-]), so the two parts can always be told apart.
 */
export function scopedEventId(tenant: string | undefined, eventId: string): string {
  return tenant === undefined || tenant === DEFAULT_TENANT_ID ? eventId : `${tenant}.${eventId}`;
}

export function splitScopedEventId(scoped: string): { tenant: string; eventId: string } {
  const dot = scoped.indexOf('.');
  return dot < 0
    ? { tenant: DEFAULT_TENANT_ID, eventId: scoped }
    : { tenant: scoped.slice(0, dot), eventId: scoped.slice(dot + 1) };
}
