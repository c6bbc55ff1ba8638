import { createHash, randomBytes } from 'node:crypto';

/**
 * Demo tenants for the sandbox, the end-to-end tests and the drills: customer Okta orgs, each with its own hook
 * secret, OAuth client, admin token and Twilio subaccount on the simulator (one MSP main account above them), and
 * a shared Vonage backup — what an MSP's deployment looks like. Secrets are fresh per call; subaccount SIDs are
 * derived from the tenant id, so the inbox shows the same account for a tenant from run to run.
 */
export interface DemoTenant {
  id: string;
  /** The org Okta's `source` names (`https://{id}.okta.example`). */
  oktaOrg: string;
  hookHeader: string;
  hookSecret: string;
  oauthClientId: string;
  oauthClientSecret: string;
  adminToken: string;
  twilio: { accountSid: string; authToken: string; fromNumber: string; voiceFromNumber: string };
}

export interface SharedBackup {
  vonage?: {
    apiKey: string;
    apiSecret: string;
    fromNumber: string;
    applicationId?: string;
    /** Environment variable holding the Voice application's PEM key (referenced, not inlined). */
    privateKeyVariable?: string;
    signatureSecretVariable?: string;
  };
}

const secret = () => randomBytes(32).toString('base64url');

/** `acme-eu` → `ACME_EU_…`, as `npm run tenants -- add` names a tenant's variables. */
export function tenantVariable(tenantId: string, suffix: string): string {
  return `${tenantId.toUpperCase().replace(/-/g, '_')}_${suffix}`;
}

/** A lower-case hex Twilio SID derived from a label (stable across runs). */
export function derivedAccountSid(label: string): string {
  return `AC${createHash('sha256').update(`byot-demo-subaccount:${label}`).digest('hex').slice(0, 32)}`;
}

export function demoTenants(ids: readonly string[] = ['acme', 'globex']): DemoTenant[] {
  return ids.map((id, i) => ({
    id,
    oktaOrg: `https://${id}.okta.example`,
    hookHeader: 'authorization',
    hookSecret: secret(),
    oauthClientId: `${id}-okta`,
    oauthClientSecret: secret(),
    adminToken: secret(),
    twilio: {
      accountSid: derivedAccountSid(id),
      authToken: secret(),
      // Distinct sender numbers per customer, from Twilio's magic range of valid senders.
      fromNumber: `+1500555${String(1000 + i * 2).padStart(4, '0')}`,
      voiceFromNumber: `+1500555${String(1001 + i * 2).padStart(4, '0')}`,
    },
  }));
}

/**
 * The tenants file for these tenants (every secret referenced as `${ID_…}`, as operators are told to write it)
 * and the environment that resolves it.
 */
export function demoTenantsFile(
  tenants: readonly DemoTenant[],
  shared: SharedBackup = {},
): { yaml: string; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const blocks = tenants.map((t) => {
    const v = (suffix: string, value: string) => {
      const name = tenantVariable(t.id, suffix);
      env[name] = value;
      return `"\${${name}}"`;
    };
    const vonage = shared.vonage;
    const lines = [
      `  ${t.id}:`,
      `    oktaOrg: ${t.oktaOrg}`,
      '    hookAuth:',
      `      header: { name: ${t.hookHeader}, value: ${v('HOOK_SECRET', t.hookSecret)} }`,
      `      oauthClients: [{ clientId: ${t.oauthClientId}, clientSecret: ${v('OAUTH_SECRET', t.oauthClientSecret)} }]`,
      `    adminToken: ${v('ADMIN_TOKEN', t.adminToken)}`,
      '    defaultRegion: US',
      `    sms: [twilio${vonage ? ', vonage' : ''}]`,
      `    voice: [twilio${vonage?.applicationId ? ', vonage' : ''}]`,
      `    twilio: { accountSid: "${t.twilio.accountSid}", authToken: ${v('TWILIO_TOKEN', t.twilio.authToken)}, fromNumber: "${t.twilio.fromNumber}", voiceFromNumber: "${t.twilio.voiceFromNumber}" }`,
    ];
    if (vonage) {
      lines.push(
        '    vonage:',
        `      apiKey: ${vonage.apiKey}`,
        `      apiSecret: "${vonage.apiSecret}"`,
        `      fromNumber: "${vonage.fromNumber}"`,
        ...(vonage.applicationId ? [`      applicationId: ${vonage.applicationId}`] : []),
        ...(vonage.privateKeyVariable ? [`      privateKey: "\${${vonage.privateKeyVariable}}"`] : []),
        ...(vonage.signatureSecretVariable
          ? [`      signatureSecret: "\${${vonage.signatureSecretVariable}}"`]
          : []),
      );
    }
    return lines.join('\n');
  });
  return {
    yaml: `# Demo tenants (generated): two customer orgs, each with its own Twilio subaccount.\ntenants:\n${blocks.join('\n')}\n`,
    env,
  };
}

/** SIM_TWILIO_SUBACCOUNTS for the simulator: each tenant's subaccount under the MSP's main account. */
export function simSubaccounts(tenants: readonly DemoTenant[]): string {
  return JSON.stringify(
    tenants.map((t) => ({
      accountSid: t.twilio.accountSid,
      authToken: t.twilio.authToken,
      friendlyName: t.id,
    })),
  );
}
