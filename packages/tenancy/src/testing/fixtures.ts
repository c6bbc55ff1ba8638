import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test material for tenants files: real key pairs (a Vonage private key, a SendGrid verification key, a client's
 * public JWK), random secrets, and a folder to write files into.
 */
export function tempFolder(label = 'tenants'): string {
  return mkdtempSync(join(tmpdir(), `byot-${label}-`));
}

export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export function vonagePrivateKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
}

export function sendgridPublicKeyBase64(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

export function publicJwks(): { keys: object[] } {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'okta-hook-key', use: 'sig' }] };
}

export const ACCOUNT_A = `AC${'a'.repeat(32)}`;
export const ACCOUNT_B = `AC${'b'.repeat(32)}`;

/**
 * Two complete tenants, `acme` (every key, secrets through `${…}`) and `globex` (the minimum), with the
 * environment that resolves them. Returns the file's path.
 */
export function writeTwoTenantFile(folder = tempFolder()): {
  file: string;
  env: NodeJS.ProcessEnv;
  folder: string;
} {
  const keyFile = join(folder, 'acme-vonage.key');
  writeFileSync(keyFile, `${vonagePrivateKeyPem()}\n`);
  const env: NodeJS.ProcessEnv = {
    ACME_HOOK_SECRET: randomSecret(),
    ACME_OAUTH_SECRET: randomSecret(),
    ACME_ADMIN_TOKEN: randomSecret(),
    ACME_TWILIO_TOKEN: randomSecret(16),
    ACME_VONAGE_SECRET: randomSecret(),
    ACME_VONAGE_SIGNATURE: randomSecret(),
    GLOBEX_HOOK_SECRET: randomSecret(),
    GLOBEX_TWILIO_TOKEN: randomSecret(16),
  };
  const text = `# two customers on one deployment
tenants:
  acme:
    oktaOrg: https://acme.okta.com
    hookAuth:
      header: { name: Authorization, value: "\${ACME_HOOK_SECRET}" }
      oauthClients:
        - { clientId: acme-okta, clientSecret: "\${ACME_OAUTH_SECRET}" }
        - { clientId: acme-hook-key, clientJwks: ${JSON.stringify(publicJwks())} }
      oauthIssuer: { issuer: "https://acme.okta.com/oauth2/default", audience: "api://default", scopes: [okta.telephony] }
    adminToken: "\${ACME_ADMIN_TOKEN}"
    defaultRegion: GB
    sms: [twilio, vonage]
    voice: [twilio, vonage]
    emailFallback: sendgrid
    twilio: { accountSid: "${ACCOUNT_A}", authToken: "\${ACME_TWILIO_TOKEN}", fromNumber: "+15005550006", voiceFromNumber: "+15005550007" }
    vonage:
      apiKey: acme-key
      apiSecret: "\${ACME_VONAGE_SECRET}"
      fromNumber: ACME
      applicationId: 0f0e0d0c-0b0a-4909-8807-060504030201
      privateKey: "\${file:acme-vonage.key}"
      voiceFromNumber: "+447700900123"
      signatureSecret: "\${ACME_VONAGE_SIGNATURE}"
    sendgrid: { apiKey: acme-sendgrid-key, fromEmail: otp@acme.example, eventPublicKey: "${sendgridPublicKeyBase64()}" }
  globex:
    oktaOrg: https://globex.oktapreview.com/
    hookAuth:
      header: { name: x-okta-secret, value: "\${GLOBEX_HOOK_SECRET}" }
    twilio: { accountSid: "${ACCOUNT_B}", authToken: "\${GLOBEX_TWILIO_TOKEN}", fromNumber: "+15005550008" }
`;
  const file = join(folder, 'tenants.yaml');
  writeFileSync(file, text);
  return { file, env, folder };
}
