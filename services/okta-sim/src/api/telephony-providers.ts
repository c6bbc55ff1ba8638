import { Router } from 'express';
import { z } from 'zod';
import { oktaId } from '../lib/ids.ts';
import { notFound, validationFailed } from '../lib/okta-error.ts';
import type { Org } from '../org/org.ts';
import type { TelephonyProvider } from '../org/types.ts';
import { parseBody } from './common.ts';

const ProviderInput = z.object({
  providerName: z.enum(['TWILIO', 'TELESIGN']),
  providerCapability: z.literal('ALL').default('ALL'),
  providerSid: z.string().min(1),
  providerAuthToken: z.string().min(1),
  providerSettings: z.looseObject({}).default({}),
});

/**
 * `/api/v1/telephony-providers`: Okta's native alternative to the hook (Twilio or Telesign credentials kept by
 * Okta). At most two enabled; one cannot be activated while a telephony inline hook is active. The auth token is
 * never returned.
 */
export function telephonyProvidersRouter(org: Org): Router {
  const router = Router();
  const find = (id: string): TelephonyProvider => {
    const provider = org.telephonyProviders.get(id);
    if (!provider) throw notFound('CustomTelephonyProvider', id);
    return provider;
  };
  const view = ({ providerAuthToken: _secret, ...rest }: TelephonyProvider) => rest;
  const refuseWhileHookActive = (): void => {
    const hook = org.activeTelephonyHooks()[0];
    if (hook) {
      throw validationFailed(
        'enabled',
        `Deactivate the telephony inline hook "${hook.name}" before activating a custom telephony provider.`,
      );
    }
  };
  const enabled = (): TelephonyProvider[] => [...org.telephonyProviders.values()].filter((p) => p.enabled);

  router.get('/', (_req, res) => {
    res.json([...org.telephonyProviders.values()].map(view));
  });
  router.post('/', (req, res) => {
    const input = parseBody(ProviderInput, req.body, 'provider');
    refuseWhileHookActive();
    if (enabled().length >= 2)
      throw validationFailed('enabled', 'At most two custom telephony providers can be active.');
    const provider: TelephonyProvider = {
      id: oktaId('oct'),
      ...input,
      enabled: true,
      isPrimaryProvider: enabled().length === 0,
    };
    org.telephonyProviders.set(provider.id, provider);
    res.json(view(provider));
  });
  router.get('/:id', (req, res) => {
    res.json(view(find(req.params.id)));
  });
  router.put('/:id', (req, res) => {
    const provider = find(req.params.id);
    const input = parseBody(ProviderInput.partial(), req.body, 'provider');
    Object.assign(provider, input);
    res.json(view(provider));
  });
  router.delete('/:id', (req, res) => {
    const provider = find(req.params.id);
    if (provider.enabled) throw validationFailed('enabled', 'Deactivate the provider before deleting it.');
    org.telephonyProviders.delete(provider.id);
    res.status(204).end();
  });
  router.post('/:id/lifecycle/activate', (req, res) => {
    const provider = find(req.params.id);
    if (!provider.enabled) {
      refuseWhileHookActive();
      if (enabled().length >= 2)
        throw validationFailed('enabled', 'At most two custom telephony providers can be active.');
      provider.enabled = true;
    }
    res.json(view(provider));
  });
  router.post('/:id/lifecycle/deactivate', (req, res) => {
    const provider = find(req.params.id);
    provider.enabled = false;
    provider.isPrimaryProvider = false;
    res.json(view(provider));
  });
  router.post('/:id/setAsPrimary', (req, res) => {
    const provider = find(req.params.id);
    if (!provider.enabled) throw validationFailed('enabled', 'Only an active provider can be primary.');
    for (const p of org.telephonyProviders.values()) p.isPrimaryProvider = p.id === provider.id;
    res.json(view(provider));
  });
  return router;
}
