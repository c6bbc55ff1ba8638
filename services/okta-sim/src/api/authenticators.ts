import { Router } from 'express';
import { z } from 'zod';
import { notFound, validationFailed } from '../lib/okta-error.ts';
import { isoNow } from '../lib/time.ts';
import type { Org } from '../org/org.ts';
import type { Authenticator } from '../org/types.ts';
import { parseBody } from './common.ts';

const AuthenticatorReplace = z.looseObject({
  key: z.string().optional(),
  name: z.string().trim().min(1).max(255),
  settings: z.looseObject({ allowedFor: z.enum(['any', 'recovery', 'sso', 'none']).optional() }).optional(),
});

/**
 * `/api/v1/authenticators` (Identity Engine): the org's authenticators and their methods. The phone
 * authenticator starts INACTIVE with its sms and voice methods off, as in a new org; it cannot be deactivated
 * while an active enrollment policy requires or offers it.
 */
export function authenticatorsRouter(org: Org, orgUrl: () => string): Router {
  const router = Router();
  const find = (id: string): Authenticator => {
    const found = org.authenticators.get(id);
    if (!found) throw notFound('Authenticator', id);
    return found;
  };
  const view = (a: Authenticator) => ({
    type: a.type,
    id: a.id,
    key: a.key,
    status: a.status,
    name: a.name,
    created: a.created,
    lastUpdated: a.lastUpdated,
    ...(a.settings ? { settings: a.settings } : {}),
    _links: {
      self: { href: `${orgUrl()}/api/v1/authenticators/${a.id}` },
      methods: { href: `${orgUrl()}/api/v1/authenticators/${a.id}/methods` },
    },
  });
  const methodView = (a: Authenticator, m: Authenticator['methods'][number]) => ({
    type: m.type,
    status: m.status,
    _links: { self: { href: `${orgUrl()}/api/v1/authenticators/${a.id}/methods/${m.type}` } },
  });

  router.get('/', (_req, res) => {
    res.json([...org.authenticators.values()].map(view));
  });
  router.get('/:id', (req, res) => {
    res.json(view(find(req.params.id)));
  });
  router.put('/:id', (req, res) => {
    const authenticator = find(req.params.id);
    const input = parseBody(AuthenticatorReplace, req.body, 'authenticator');
    if (input.key !== undefined && input.key !== authenticator.key) {
      throw validationFailed('key', 'The key of an authenticator cannot be changed.');
    }
    authenticator.name = input.name;
    if (input.settings) authenticator.settings = { ...authenticator.settings, ...input.settings };
    authenticator.lastUpdated = isoNow();
    res.json(view(authenticator));
  });
  router.post('/:id/lifecycle/activate', (req, res) => {
    const authenticator = find(req.params.id);
    authenticator.status = 'ACTIVE';
    authenticator.lastUpdated = isoNow();
    res.json(view(authenticator));
  });
  router.post('/:id/lifecycle/deactivate', (req, res) => {
    const authenticator = find(req.params.id);
    const users = org
      .policiesOf('MFA_ENROLL')
      .filter(
        (p) =>
          p.status === 'ACTIVE' &&
          enrollmentOf(p.settings, authenticator.key) !== undefined &&
          enrollmentOf(p.settings, authenticator.key) !== 'NOT_ALLOWED',
      );
    if (users.length > 0) {
      throw validationFailed(
        'status',
        `The authenticator is used by the enrollment policies ${users.map((p) => `"${p.name}"`).join(', ')}.`,
      );
    }
    authenticator.status = 'INACTIVE';
    authenticator.lastUpdated = isoNow();
    res.json(view(authenticator));
  });
  router.get('/:id/methods', (req, res) => {
    const authenticator = find(req.params.id);
    res.json(authenticator.methods.map((m) => methodView(authenticator, m)));
  });
  const method = (authenticator: Authenticator, type: string) => {
    const found = authenticator.methods.find((m) => m.type === type);
    if (!found) throw notFound('AuthenticatorMethod', type);
    return found;
  };
  router.get('/:id/methods/:type', (req, res) => {
    const authenticator = find(req.params.id);
    res.json(methodView(authenticator, method(authenticator, req.params.type)));
  });
  for (const action of ['activate', 'deactivate'] as const) {
    router.post(`/:id/methods/:type/lifecycle/${action}`, (req, res) => {
      const authenticator = find(req.params.id);
      const found = method(authenticator, req.params.type);
      if (
        action === 'deactivate' &&
        authenticator.methods.filter((m) => m.status === 'ACTIVE').length === 1
      ) {
        if (found.status === 'ACTIVE' && authenticator.status === 'ACTIVE') {
          throw validationFailed('status', 'An active authenticator needs at least one active method.');
        }
      }
      found.status = action === 'activate' ? 'ACTIVE' : 'INACTIVE';
      authenticator.lastUpdated = isoNow();
      res.json(methodView(authenticator, found));
    });
  }
  return router;
}

/** The `enroll.self` an MFA_ENROLL policy's settings give an authenticator key, if it lists it. */
export function enrollmentOf(settings: Record<string, unknown> | undefined, key: string): string | undefined {
  const list = (settings?.authenticators ?? []) as { key?: string; enroll?: { self?: string } }[];
  return list.find((a) => a.key === key)?.enroll?.self;
}
