import { deliveryIdFor, scopedEventId } from '@byot/contracts';
import type { HookEntry, LedgerIndex } from '@byot/delivery/records';
import { type AttemptEntry, type DeliveryRecord, type LedgerView, ledgerView } from '@byot/delivery/records';
import type { PersonIndexer } from '@byot/sealing';
import type { DeliveryDetail, DeliverySource, FeedFilters, FeedItem, FeedState } from './model.ts';

/** A delivery's record and attempts (DeliveryStore.getLedger), for a tenant; undefined when none is kept. */
export type LedgerReader = (
  tenant: string,
  eventId: string,
) => Promise<{ record: DeliveryRecord; attempts: AttemptEntry[] } | undefined>;

export interface LedgerSourceDeps {
  index: LedgerIndex;
  ledger: LedgerReader;
  indexer: PersonIndexer;
  now?: () => number;
}

/** How many feed entries are read per round when filters drop some, and how far back a filtered page may look. */
const BATCH = 250;
const MAX_SCANNED = 5_000;

/**
 * The console's deliveries, from the ledger index (what hook-ingress answered, newest first, the person index)
 * and the ledger itself (what the workers did). A hook that no worker saw — blocked by the fraud controls, handed
 * back to Okta — still has its row, from the index alone.
 */
export function ledgerSource(deps: LedgerSourceDeps): DeliverySource {
  const now = deps.now ?? Date.now;

  async function load(
    tenant: string,
    refs: { eventId: string; receivedAt: number }[],
  ): Promise<DeliveryDetail[]> {
    const eventIds = refs.map((r) => r.eventId);
    const [hooks, ledgers] = await Promise.all([
      deps.index.hooks(tenant, eventIds),
      Promise.all(eventIds.map((eventId) => deps.ledger(tenant, eventId))),
    ]);
    const at = now();
    return refs.flatMap((ref, i) => {
      const detail = toDetail(tenant, ref, hooks[i], ledgers[i], at);
      return detail ? [detail] : [];
    });
  }

  return {
    async feed(filters) {
      const perTenant = await Promise.all(filters.tenants.map((tenant) => feedOf(tenant, filters)));
      return perTenant
        .flat()
        .sort((a, b) => b.receivedAt - a.receivedAt)
        .slice(0, filters.limit);
    },
    async search(tenants, query, limit) {
      const scope = query.kind === 'last4' ? tenants.filter((t) => t === query.tenant) : tenants;
      const found = await Promise.all(
        scope.map(async (tenant) => {
          const refs = await deps.index.person(
            tenant,
            deps.indexer.searchDigests(tenant, query.kind, query.value),
            limit,
          );
          return (await load(tenant, refs)).map(toItem);
        }),
      );
      return found
        .flat()
        .sort((a, b) => b.receivedAt - a.receivedAt)
        .slice(0, limit);
    },
    async detail(tenant, eventId) {
      const [detail] = await load(tenant, [{ eventId, receivedAt: 0 }]);
      return detail;
    },
  };

  async function feedOf(tenant: string, filters: FeedFilters): Promise<FeedItem[]> {
    const items: FeedItem[] = [];
    for (let offset = 0; items.length < filters.limit && offset < MAX_SCANNED; ) {
      const want = filtered(filters) ? BATCH : filters.limit - items.length;
      const refs = await deps.index.feed(tenant, {
        ...(filters.from !== undefined ? { from: filters.from } : {}),
        ...(filters.to !== undefined ? { to: filters.to } : {}),
        limit: want,
        offset,
      });
      for (const detail of await load(tenant, refs)) {
        const item = toItem(detail);
        if (matches(item, filters)) items.push(item);
      }
      if (refs.length < want) break;
      offset += refs.length;
    }
    return items.slice(0, filters.limit);
  }
}

const filtered = (f: FeedFilters) =>
  f.state !== undefined || f.channel !== undefined || f.provider !== undefined;

function matches(item: FeedItem, f: FeedFilters): boolean {
  return (
    (f.state === undefined || item.state === f.state) &&
    (f.channel === undefined || item.channel === f.channel) &&
    (f.provider === undefined || item.provider === f.provider)
  );
}

function toItem(detail: DeliveryDetail): FeedItem {
  const { ledger } = detail;
  const accepted = ledger.attempts.filter((a) => a.result === 'accepted').at(-1);
  const provider =
    ledger.delivered?.provider ??
    accepted?.provider ??
    ledger.attempts.at(-1)?.provider ??
    detail.answer?.provider?.toLowerCase();
  return {
    tenant: detail.tenant,
    eventId: ledger.eventId,
    receivedAt: detail.receivedAt,
    requestType: ledger.requestType,
    channel: ledger.channel,
    phoneMasked: ledger.phoneMasked,
    state: detail.state,
    ...(provider ? { provider } : {}),
    ...(ledger.delivered?.latencyMs !== undefined ? { latencyMs: ledger.delivered.latencyMs } : {}),
  };
}

/** The final state a person reads: the ledger's when a worker took the code on, else what the hook was told. */
function stateOf(view: LedgerView | undefined, hook: HookEntry | undefined): FeedState {
  if (hook?.blockedBy) return 'blocked';
  if (view) return view.delivery;
  if (hook?.answer === 'fallback') return 'okta-fallback';
  if (hook?.answer === 'FAILED') return 'failed';
  return 'pending';
}

function toDetail(
  tenant: string,
  ref: { eventId: string; receivedAt: number },
  hook: HookEntry | undefined,
  stored: { record: DeliveryRecord; attempts: AttemptEntry[] } | undefined,
  now: number,
): DeliveryDetail | undefined {
  if (!hook && !stored) return undefined;
  // The record holds the scoped id (`acme.{eventId}`); the console names a delivery by its tenant and Okta's
  // eventId, as its address and the hook index do. The transaction id (deliveryId) stays the scoped one Okta got.
  const view = stored
    ? { ...ledgerView(stored.record, stored.attempts, now), eventId: ref.eventId }
    : undefined;
  const receivedAt =
    hook?.receivedAt ?? stored?.record.hookReceivedAt ?? stored?.record.createdAt ?? ref.receivedAt;
  const ledger: LedgerView = view ?? {
    // A hook no worker saw: its row from what the ingress knew.
    eventId: ref.eventId,
    deliveryId: deliveryIdFor(scopedEventId(tenant, ref.eventId)),
    channel: (hook?.channel ?? 'sms') as LedgerView['channel'],
    requestType: hook?.requestType ?? '',
    phoneMasked: hook?.phoneMasked ?? '',
    delivery:
      hook?.answer === 'fallback' ? 'okta-fallback' : hook?.answer === 'FAILED' ? 'failed' : 'pending',
    state: hook?.blockedBy ? 'blocked' : (hook?.answer ?? 'unknown'),
    otpExpiresAt: new Date(hook?.otpExpiresAt ?? receivedAt).toISOString(),
    ...(hook?.reason ? { reason: hook.reason } : {}),
    attempts: [],
  };
  return {
    tenant,
    ledger,
    state: stateOf(view, hook),
    receivedAt,
    ...(hook
      ? {
          answer: {
            status: hook.answer,
            at: hook.answeredAt,
            ...(hook.provider ? { provider: hook.provider } : {}),
            ...((hook.blockedBy ?? hook.reason) ? { reason: (hook.blockedBy ?? hook.reason) as string } : {}),
          },
        }
      : {}),
  };
}
