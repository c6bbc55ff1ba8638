import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError, parseEnv } from '@byot/config';
import { ecKeyPair, oktaHookKeyResponse, rsaKeyPair } from '../test/support/oauth-fixtures.ts';
import { ingressEnvSchema } from './config.ts';

const base = {
  DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  OKTA_HOOK_AUTH_SECRET: 'Basic c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
};

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(ingressEnvSchema, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('hook-ingress configuration: hook authentication', () => {
  it('defaults to the header scheme alone, which needs OKTA_HOOK_AUTH_SECRET', () => {
    assert.deepEqual(parseEnv(ingressEnvSchema, base).OKTA_HOOK_AUTH, ['header']);
    assert.deepEqual(problems({ DATA_ENCRYPTION_KEY: base.DATA_ENCRYPTION_KEY }), [
      'OKTA_HOOK_AUTH_SECRET: required: the exact value Okta sends in the auth header (OKTA_HOOK_AUTH includes header)',
    ]);
  });

  it("with a tenants file, hook authentication is the file's (no OKTA_HOOK_AUTH_SECRET needed)", () => {
    const env = { DATA_ENCRYPTION_KEY: base.DATA_ENCRYPTION_KEY, TENANTS_FILE: '/etc/byot/tenants.yaml' };
    assert.deepEqual(problems(env), []);
    assert.equal(parseEnv(ingressEnvSchema, env).TENANTS_FILE, '/etc/byot/tenants.yaml');
  });

  it('byot as the authorization server: client, secret or keys, signing key and public URL', async () => {
    const signing = (await ecKeyPair()).privatePem;
    const hookKey = await rsaKeyPair();
    const env = {
      DATA_ENCRYPTION_KEY: base.DATA_ENCRYPTION_KEY,
      OKTA_HOOK_AUTH: 'oauth',
      OKTA_HOOK_OAUTH_CLIENT_ID: '0oa-okta-hook',
      OKTA_HOOK_OAUTH_CLIENT_SECRET: randomBytes(32).toString('base64url'),
      OKTA_HOOK_OAUTH_CLIENT_JWKS: JSON.stringify(oktaHookKeyResponse(hookKey.publicJwk, 'hk1')),
      OAUTH_SIGNING_KEY: signing,
      PUBLIC_BASE_URL: 'https://byot.example.com/',
    };
    const cfg = parseEnv(ingressEnvSchema, env);
    assert.deepEqual(cfg.OKTA_HOOK_AUTH, ['oauth']);
    assert.equal(cfg.OAUTH_TOKEN_TTL_SECONDS, 3600);
    assert.equal(cfg.OKTA_HOOK_OAUTH_CLIENT_JWKS?.keys[0]?.kid, 'hk1');
    assert.equal(cfg.OAUTH_SIGNING_KEY?.keys[0].alg, 'ES256');
    assert.deepEqual(problems({ ...env, OAUTH_SIGNING_KEY: '', PUBLIC_BASE_URL: '' }).sort(), [
      'OAUTH_SIGNING_KEY: required: byot issues tokens (OKTA_HOOK_OAUTH_CLIENT_ID is set)',
      'PUBLIC_BASE_URL: required: it is the issuer of byot’s tokens (OKTA_HOOK_OAUTH_CLIENT_ID is set)',
    ]);
    assert.match(
      problems({ ...env, OKTA_HOOK_OAUTH_CLIENT_SECRET: '', OKTA_HOOK_OAUTH_CLIENT_JWKS: '' }).join(),
      /OKTA_HOOK_OAUTH_CLIENT_SECRET: required \(or OKTA_HOOK_OAUTH_CLIENT_JWKS/,
    );
    assert.match(
      problems({ ...env, OKTA_HOOK_OAUTH_CLIENT_SECRET: 'short' }).join(),
      /at least 32 characters/,
    );
    assert.match(
      problems({ ...env, OAUTH_TOKEN_TTL_SECONDS: '86401' }).join(),
      /OAUTH_TOKEN_TTL_SECONDS: must be at most 86400/,
    );
    assert.match(
      problems({ ...env, OAUTH_SIGNING_KEY: 'nonsense' }).join(),
      /OAUTH_SIGNING_KEY: must be a PEM/,
    );
    assert.match(
      problems({ ...env, OKTA_HOOK_OAUTH_CLIENT_JWKS: '{"kty":"oct","k":"eA"}' }).join(),
      /CLIENT_JWKS/,
    );
    assert.match(
      problems({ ...env, OKTA_HOOK_OAUTH_CLIENT_ID: '' }).join(),
      /needs OKTA_HOOK_OAUTH_CLIENT_ID/,
    );
    assert.match(
      problems({
        ...env,
        OKTA_HOOK_OAUTH_CLIENT_ID: '',
        OKTA_HOOK_OAUTH_CLIENT_SECRET: '',
        OKTA_HOOK_OAUTH_CLIENT_JWKS: '',
      }).join(),
      /OKTA_HOOK_AUTH: includes oauth: set OKTA_HOOK_OAUTH_CLIENT_ID .* or OKTA_HOOK_OAUTH_ISSUER/,
    );
    const secretShown = problems({ ...env, OAUTH_SIGNING_KEY: `${signing.slice(0, 120)}broken` }).join();
    assert.ok(!secretShown.includes(signing.slice(30, 60)), 'a problem quotes the signing key');
  });

  it('an external issuer: https (or loopback), audience and scopes required, lists split on space or comma', () => {
    const env = {
      ...base,
      OKTA_HOOK_AUTH: 'header, oauth',
      OKTA_HOOK_OAUTH_ISSUER: 'https://acme.okta.com/oauth2/default',
      OKTA_HOOK_OAUTH_AUDIENCE: 'api://default',
      OKTA_HOOK_OAUTH_SCOPES: 'byot.hook, okta.telephony other',
    };
    const cfg = parseEnv(ingressEnvSchema, env);
    assert.deepEqual(cfg.OKTA_HOOK_AUTH, ['header', 'oauth']);
    assert.deepEqual(cfg.OKTA_HOOK_OAUTH_SCOPES, ['byot.hook', 'okta.telephony', 'other']);
    assert.match(
      problems({ ...env, OKTA_HOOK_OAUTH_ISSUER: 'http://acme.okta.com/oauth2/default' }).join(),
      /must be https/,
    );
    assert.deepEqual(
      problems({ ...env, OKTA_HOOK_OAUTH_ISSUER: 'http://127.0.0.1:9999/oauth2/default' }),
      [],
    );
    assert.match(
      problems({ ...env, OKTA_HOOK_OAUTH_JWKS_URI: 'http://keys.example/jwks' }).join(),
      /JWKS_URI: must be https/,
    );
    assert.match(problems({ ...env, OKTA_HOOK_OAUTH_SCOPES: '' }).join(), /OKTA_HOOK_OAUTH_SCOPES: required/);
    assert.match(
      problems({ ...env, OKTA_HOOK_OAUTH_AUDIENCE: '' }).join(),
      /OKTA_HOOK_OAUTH_AUDIENCE: required/,
    );
    assert.match(
      problems({ ...base, OKTA_HOOK_OAUTH_AUDIENCE: 'api://default' }).join(),
      /needs OKTA_HOOK_OAUTH_ISSUER/,
    );
    assert.match(
      problems({ ...env, OKTA_HOOK_AUTH: 'header,saml' }).join(),
      /OKTA_HOOK_AUTH(\.\d)?: must be a comma-separated list of: header, oauth/,
    );
    assert.match(problems({ ...env, OKTA_HOOK_AUTH: 'oauth,oauth' }).join(), /must not name a scheme twice/);
  });
});

describe('hook-ingress configuration: DEFAULT_PHONE_REGION', () => {
  it('refuses a well-formed region libphonenumber does not support, naming it', () => {
    assert.equal(
      parseEnv(ingressEnvSchema, { ...base, DEFAULT_PHONE_REGION: 'GB' }).DEFAULT_PHONE_REGION,
      'GB',
    );
    assert.deepEqual(problems({ ...base, DEFAULT_PHONE_REGION: 'XX' }), [
      'DEFAULT_PHONE_REGION: XX is not a region libphonenumber supports',
    ]);
    assert.match(problems({ ...base, DEFAULT_PHONE_REGION: 'usa' }).join(), /ISO 3166-1 alpha-2/);
  });
});

describe('hook-ingress configuration: Vonage callbacks', () => {
  it('fail closed by default; the opt-out is explicit; the providers come from the shared lists', () => {
    const cfg = parseEnv(ingressEnvSchema, base);
    assert.equal(cfg.VONAGE_CALLBACKS_ALLOW_UNSIGNED, false);
    assert.deepEqual([cfg.SMS_PROVIDERS, cfg.VOICE_PROVIDERS], [['twilio'], ['twilio']]);
    const opted = parseEnv(ingressEnvSchema, {
      ...base,
      SMS_PROVIDERS: 'twilio,vonage',
      VONAGE_CALLBACKS_ALLOW_UNSIGNED: 'true',
    });
    assert.deepEqual(
      [opted.SMS_PROVIDERS, opted.VONAGE_CALLBACKS_ALLOW_UNSIGNED],
      [['twilio', 'vonage'], true],
    );
    assert.match(
      problems({ ...base, VONAGE_CALLBACKS_ALLOW_UNSIGNED: 'maybe' }).join(),
      /VONAGE_CALLBACKS_ALLOW_UNSIGNED/,
    );
  });
});
