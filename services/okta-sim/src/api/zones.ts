import { Router } from 'express';
import { z } from 'zod';
import { oktaId } from '../lib/ids.ts';
import { notFound, validationFailed } from '../lib/okta-error.ts';
import { isoNow } from '../lib/time.ts';
import type { Org } from '../org/org.ts';
import type { NetworkZone } from '../org/types.ts';
import { type Pagination, paginate, parseBody } from './common.ts';

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const RANGE = /^(\d{1,3}\.){3}\d{1,3}(-(\d{1,3}\.){3}\d{1,3})?$/;
const address = z
  .object({ type: z.enum(['CIDR', 'RANGE']), value: z.string() })
  .refine((a) => (a.type === 'CIDR' ? CIDR : RANGE).test(a.value), 'not a valid IPv4 CIDR or range');
const ZoneInput = z.object({
  type: z.enum(['IP', 'DYNAMIC']),
  name: z.string().trim().min(1).max(128),
  usage: z.enum(['POLICY', 'BLOCKLIST']).default('POLICY'),
  gateways: z.array(address).nullish(),
  proxies: z.array(address).nullish(),
  locations: z
    .array(
      z.object({
        country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code'),
        region: z.string().nullish(),
      }),
    )
    .nullish(),
});

/** `/api/v1/zones`: IP zones (gateways) and dynamic zones (countries: the guide's geofencing). */
export function zonesRouter(org: Org, orgUrl: () => string, pagination: Pagination): Router {
  const router = Router();
  const find = (id: string): NetworkZone => {
    const zone = org.zones.get(id);
    if (!zone) throw notFound('NetworkZone', id);
    return zone;
  };
  const view = (zone: NetworkZone) => ({
    ...zone,
    _links: { self: { href: `${orgUrl()}/api/v1/zones/${zone.id}` } },
  });
  const usedBy = (zone: NetworkZone): string[] =>
    [...org.rules.values()]
      .filter((r) =>
        JSON.stringify((r.conditions as { network?: unknown } | null)?.network ?? {}).includes(
          `"${zone.id}"`,
        ),
      )
      .map((r) => r.name);
  const check = (input: z.infer<typeof ZoneInput>, existing?: NetworkZone): void => {
    if ([...org.zones.values()].some((z) => z.name === input.name && z.id !== existing?.id)) {
      throw validationFailed('name', 'A network zone with this name already exists.');
    }
    if (input.type === 'DYNAMIC' && !input.locations?.length) {
      throw validationFailed('locations', 'A dynamic zone needs at least one location.');
    }
    if (existing && existing.type !== input.type)
      throw validationFailed('type', 'A zone type cannot be changed.');
  };

  router.get('/', (req, res) => {
    res.json(paginate(req, res, [...org.zones.values()], orgUrl(), pagination).map(view));
  });
  router.post('/', (req, res) => {
    const input = parseBody(ZoneInput, req.body, 'zone');
    check(input);
    const now = isoNow();
    const zone: NetworkZone = {
      id: oktaId('nzo'),
      type: input.type,
      name: input.name,
      status: 'ACTIVE',
      usage: input.usage,
      system: false,
      gateways: input.gateways ?? null,
      proxies: input.proxies ?? null,
      ...(input.type === 'DYNAMIC' ? { locations: input.locations ?? [] } : {}),
      created: now,
      lastUpdated: now,
    };
    org.zones.set(zone.id, zone);
    res.json(view(zone));
  });
  router.get('/:id', (req, res) => {
    res.json(view(find(req.params.id)));
  });
  router.put('/:id', (req, res) => {
    const zone = find(req.params.id);
    const input = parseBody(ZoneInput, req.body, 'zone');
    check(input, zone);
    Object.assign(zone, {
      name: zone.system ? zone.name : input.name,
      usage: input.usage,
      gateways: input.gateways ?? null,
      proxies: input.proxies ?? null,
      ...(input.type === 'DYNAMIC' ? { locations: input.locations ?? [] } : {}),
      lastUpdated: isoNow(),
    });
    res.json(view(zone));
  });
  router.delete('/:id', (req, res) => {
    const zone = find(req.params.id);
    if (zone.system) throw validationFailed('id', 'A system zone cannot be deleted.');
    const rules = usedBy(zone);
    if (rules.length > 0)
      throw validationFailed('id', `The zone is used by the rules ${rules.map((r) => `"${r}"`).join(', ')}.`);
    org.zones.delete(zone.id);
    res.status(204).end();
  });
  for (const action of ['activate', 'deactivate'] as const) {
    router.post(`/:id/lifecycle/${action}`, (req, res) => {
      const zone = find(req.params.id);
      if (action === 'deactivate' && usedBy(zone).length > 0) {
        throw validationFailed('status', 'A zone used by policy rules cannot be deactivated.');
      }
      zone.status = action === 'activate' ? 'ACTIVE' : 'INACTIVE';
      zone.lastUpdated = isoNow();
      res.json(view(zone));
    });
  }
  return router;
}
