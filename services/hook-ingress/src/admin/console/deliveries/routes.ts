import { CHANNELS, EVENT_ID_PATTERN } from '@byot/contracts';
import { PROVIDERS } from '@byot/providers/registry';
import type { Request, Response, Router } from 'express';
import type { ConsoleHelpers } from '../console-app.ts';
import { html, queryString } from '../html.ts';
import { notice } from '../layout.ts';
import { deliveriesBody, RANGES, type RangeId } from '../pages/deliveries.ts';
import { deliveryBody } from '../pages/delivery.ts';
import { canSeeTenant, TENANT_ID } from '../principal.ts';
import { type DeliverySource, FEED_STATES, type FeedState, type PersonQuery } from './model.ts';
import type { CodeMeaning } from './story.ts';

/** A page of the feed: enough for a busy hour, still fast to render (ADR 0016). */
export const FEED_LIMIT = 500;
/**
 * Okta's eventId alphabet, without the `.` that separates a scoped id's tenant: `default/acme.{eventId}` must not
 * read acme's ledger record (scopedEventId leaves `default`'s ids bare).
 */
const EVENT_ID = EVENT_ID_PATTERN;

export interface DeliveriesRouteDeps {
  deliveries: DeliverySource;
  describeCode: CodeMeaning;
  now: () => number;
}

const one = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/**
 * GET /console (the feed), GET /console/deliveries (the feed with filters, or the person search: ?login=,
 * ?userId=, ?last4= with ?tenant=), GET /console/deliveries/{tenant}/{eventId} (one delivery). Every read is
 * narrowed to the tenants the principal may see before it reaches Redis.
 */
export function deliveriesRoutes(router: Router, helpers: ConsoleHelpers, deps: DeliveriesRouteDeps): void {
  const list = async (req: Request, res: Response) => {
    const { tenants } = helpers.context(res);
    const q = req.query;
    // The search form sends ?by=login&q=…: answered at the canonical address (?login=…), which can be shared.
    const by = one(q.by);
    if (by && ['login', 'userId', 'last4'].includes(by) && one(q.q)) {
      return void res.redirect(
        303,
        `/console/deliveries${queryString({ [by]: one(q.q), tenant: one(q.tenant) })}`,
      );
    }
    const tenant = one(q.tenant);
    const scope = tenant === undefined ? tenants : tenants.filter((t) => t === tenant);
    const state = FEED_STATES.includes(q.state as FeedState) ? (q.state as FeedState) : undefined;
    const channel = (CHANNELS as readonly string[]).includes(q.channel as string)
      ? (q.channel as string)
      : undefined;
    const provider = Object.hasOwn(PROVIDERS, q.provider as string) ? (q.provider as string) : undefined;
    const range: RangeId = Object.hasOwn(RANGES, q.range as string) ? (q.range as RangeId) : '1h';
    const now = deps.now();

    let search: PersonQuery | undefined;
    let problem: string | undefined;
    const login = one(q.login);
    const userId = one(q.userId);
    const last4 = one(q.last4);
    if (login) search = { kind: 'login', value: login };
    else if (userId) search = { kind: 'userId', value: userId };
    else if (last4) {
      const only = tenant ?? (tenants.length === 1 ? tenants[0] : undefined);
      if (!/^\d{4}$/.test(last4)) problem = 'Give exactly the last 4 digits of the number.';
      else if (!only) problem = 'A search by the last digits needs a tenant: choose one.';
      else search = { kind: 'last4', value: last4, tenant: only };
    }
    if (tenant !== undefined && scope.length === 0) problem = 'No such tenant here.';

    const items =
      problem !== undefined
        ? []
        : search
          ? await deps.deliveries.search(scope, search, FEED_LIMIT)
          : await deps.deliveries.feed({
              tenants: scope,
              limit: FEED_LIMIT,
              ...(state ? { state } : {}),
              ...(channel ? { channel } : {}),
              ...(provider ? { provider } : {}),
              ...(RANGES[range] > 0 ? { from: now - RANGES[range] } : {}),
            });
    helpers.render(res, {
      title: search ? 'Search' : 'Deliveries',
      active: 'deliveries',
      body: deliveriesBody({
        items,
        limit: FEED_LIMIT,
        now,
        tenants,
        providers: Object.keys(PROVIDERS),
        filters: {
          range,
          ...(tenant && scope.length ? { tenant } : {}),
          ...(state ? { state } : {}),
          ...(channel ? { channel } : {}),
          ...(provider ? { provider } : {}),
        },
        ...(search ? { search } : {}),
        ...(problem ? { problem } : {}),
      }),
    });
  };
  router.get('/console', list);
  router.get('/console/deliveries', list);

  router.get('/console/deliveries/:tenant/:eventId', async (req, res) => {
    const { principal, tenants } = helpers.context(res);
    const tenant = String(req.params.tenant);
    const eventId = String(req.params.eventId);
    // Another tenant's delivery reads exactly like one that does not exist: nothing says it is there. A tenant a
    // reload removed is no longer among `tenants`, so its deliveries are gone from here too.
    const detail =
      TENANT_ID.test(tenant) &&
      EVENT_ID.test(eventId) &&
      canSeeTenant(principal, tenant) &&
      tenants.includes(tenant)
        ? await deps.deliveries.detail(tenant, eventId)
        : undefined;
    if (!detail) {
      return void helpers.render(
        res,
        {
          title: 'Not found',
          active: 'deliveries',
          body: html`<p><a href="/console/deliveries">← Deliveries</a></p><h1>No such delivery</h1>${notice(
            'info',
            'It was never received here, is older than the time deliveries are kept, or belongs to a tenant you cannot see.',
          )}`,
        },
        404,
      );
    }
    helpers.render(res, {
      title: `Delivery ${detail.ledger.phoneMasked}`,
      active: 'deliveries',
      body: deliveryBody(detail, deps.describeCode, deps.now()),
    });
  });
}
