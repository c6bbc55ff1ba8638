import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { oktaId } from '../lib/ids.ts';
import { notFound, validationFailed } from '../lib/okta-error.ts';
import { isoNow } from '../lib/time.ts';
import type { Org } from '../org/org.ts';
import type { HookKey } from '../org/types.ts';
import { type Pagination, paginate, parseBody } from './common.ts';

const MAX_KEYS = 50;
const KeyRequest = z.object({ name: z.string().trim().min(1).max(255) });

/**
 * Hook keys (`/api/v1/hook-keys`): RSA key pairs Okta keeps to sign the `private_key_jwt` client assertions of
 * OAuth hooks. Only the public half is ever shown — as Okta shows it, `alg: "RSA"` and `use: "null"` included.
 */
export function hookKeysRouter(org: Org, orgUrl: () => string, pagination: Pagination): Router {
  const router = Router();
  const isUsed = (key: HookKey): string =>
    String(
      [...org.inlineHooks.values()].some(
        (h) => h.channel.type === 'OAUTH' && h.channel.config.hookKeyId === key.id,
      ),
    );
  const view = (key: HookKey, withPublic: boolean) => ({
    id: key.id,
    keyId: key.keyId,
    name: key.name,
    created: key.created,
    lastUpdated: key.lastUpdated,
    isUsed: isUsed(key),
    // Okta's create example spells `use` as the string "null"; its public-key endpoint as JSON null.
    ...(withPublic ? { _embedded: { ...publicJwk(key), use: 'null' } } : {}),
  });
  const find = (id: string): HookKey => {
    const key = org.hookKeys.get(id);
    if (!key) throw notFound('HookKey', id);
    return key;
  };

  router.get('/', (req, res) => {
    res.json(paginate(req, res, [...org.hookKeys.values()], orgUrl(), pagination).map((k) => view(k, false)));
  });
  router.post('/', (req, res) => {
    const { name } = parseBody(KeyRequest, req.body, 'name');
    if (org.hookKeys.size >= MAX_KEYS)
      throw validationFailed('name', `An org can have at most ${MAX_KEYS} keys.`);
    if ([...org.hookKeys.values()].some((k) => k.name === name)) {
      throw validationFailed('name', 'A key with this name already exists.');
    }
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
    const now = isoNow();
    const key: HookKey = {
      id: oktaId('HKY'),
      keyId: randomUUID(),
      name,
      created: now,
      lastUpdated: now,
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      publicJwk: { kty: 'RSA', n: jwk.n, e: jwk.e },
    };
    org.hookKeys.set(key.id, key);
    res.json(view(key, true));
  });
  router.get('/public/:keyId', (req, res) => {
    const key = [...org.hookKeys.values()].find((k) => k.keyId === req.params.keyId);
    if (!key) throw notFound('PublicKey', req.params.keyId);
    res.json({ _embedded: publicJwk(key) });
  });
  router.get('/:id', (req, res) => {
    res.json(view(find(req.params.id), req.query.expand === 'publickey'));
  });
  router.put('/:id', (req, res) => {
    const key = find(req.params.id);
    const { name } = parseBody(KeyRequest, req.body, 'name');
    key.name = name;
    key.lastUpdated = isoNow();
    res.json(view(key, false));
  });
  router.delete('/:id', (req, res) => {
    const key = find(req.params.id);
    if (isUsed(key) === 'true') throw validationFailed('id', 'The key is used by an inline hook.');
    org.hookKeys.delete(key.id);
    res.status(204).end();
  });
  return router;
}

/** The public JWK as `GET /api/v1/hook-keys/public/{keyId}` shows it: `alg: "RSA"` (a key type), `use: null`. */
export function publicJwk(key: HookKey) {
  return { kty: 'RSA', alg: 'RSA', kid: key.keyId, use: null, e: key.publicJwk.e, n: key.publicJwk.n };
}
