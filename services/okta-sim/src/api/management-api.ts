import express, { Router } from 'express';
import type { HookCall } from '../hooks/telephony-caller.ts';
import { notFound, oktaErrorHandler } from '../lib/okta-error.ts';
import type { Org } from '../org/org.ts';
import { type ManagementAuth, requireScope } from './auth.ts';
import { authenticatorsRouter } from './authenticators.ts';
import type { Pagination } from './common.ts';
import { directoryRouters } from './directory.ts';
import { hookKeysRouter } from './hook-keys.ts';
import { inlineHooksRouter } from './inline-hooks.ts';
import { policiesRouter } from './policies.ts';
import type { RateLimiter } from './rate-limit.ts';
import { telephonyProvidersRouter } from './telephony-providers.ts';
import { zonesRouter } from './zones.ts';

export interface ManagementApiOptions {
  org: Org;
  orgUrl: () => string;
  auth: ManagementAuth;
  rateLimiter: RateLimiter;
  pagination: Pagination;
  secondTelephonyHook: 'reject' | 'skip';
  httpHookHosts?: readonly string[];
  hookTimeoutMs: number;
  onHookCall: (call: HookCall, via: 'execute') => void;
  signal: AbortSignal;
}

/**
 * `/api/v1/…`: every Management API call of the guide's set-up, behind Okta's authentication (API token or
 * service-app scopes), rate-limit headers and error objects. Mount at /api/v1.
 */
export function managementApi(options: ManagementApiOptions): Router {
  const { org, orgUrl, pagination } = options;
  const api = Router();
  api.use(options.rateLimiter.middleware());
  api.use(options.auth.middleware());
  api.use(express.json({ limit: '256kb' }));
  const directory = directoryRouters(org, orgUrl, pagination);
  api.use(
    '/inlineHooks',
    requireScope('inlineHooks'),
    inlineHooksRouter({
      org,
      orgUrl,
      pagination,
      secondTelephonyHook: options.secondTelephonyHook,
      ...(options.httpHookHosts ? { httpHookHosts: options.httpHookHosts } : {}),
      hookTimeoutMs: options.hookTimeoutMs,
      onCall: options.onHookCall,
      signal: options.signal,
    }),
  );
  api.use('/hook-keys', requireScope('inlineHooks'), hookKeysRouter(org, orgUrl, pagination));
  api.use('/authenticators', requireScope('authenticators'), authenticatorsRouter(org, orgUrl));
  api.use('/policies', requireScope('policies'), policiesRouter(org, orgUrl, pagination));
  api.use('/groups', requireScope('groups'), directory.groups);
  api.use('/users', requireScope('users'), directory.users);
  api.use('/zones', requireScope('networkZones'), zonesRouter(org, orgUrl, pagination));
  api.use('/telephony-providers', requireScope('customTelephonyProvider'), telephonyProvidersRouter(org));
  api.use((req) => {
    throw notFound('Resource', req.path);
  });
  api.use(oktaErrorHandler);
  return api;
}
