import { DEFAULT_TENANT_ID } from './tenant.ts';

/**
 * Every public path of one tenant, in one place (the issue fixes them; operators paste them into Okta and into
 * provider consoles). The tenant `default` also answers on today's unprefixed paths, so a single-org deployment
 * and its Okta configuration keep working unchanged.
 */
export interface TenantPaths {
  hook: string;
  /** byot's own authorization server for this tenant (issue 12): the issuer and its token endpoint. */
  issuer: string;
  tokenUrl: string;
  callbacks: {
    twilioMessages: string;
    twilioCalls: string;
    vonageSms: string;
    vonageVoice: string;
    sendgridEvents: string;
  };
  /** GET …/{eventId} for support staff. */
  deliveries: string;
}

export function tenantPaths(publicBaseUrl: string, tenant: string): TenantPaths {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const callbacks = `${base}/v1/callbacks/${tenant}`;
  return {
    hook: `${base}/v1/okta/telephony/${tenant}`,
    issuer: `${base}/oauth2/${tenant}`,
    tokenUrl: `${base}/oauth2/${tenant}/v1/token`,
    callbacks: {
      twilioMessages: `${callbacks}/twilio/messages`,
      twilioCalls: `${callbacks}/twilio/calls`,
      vonageSms: `${callbacks}/vonage/sms`,
      vonageVoice: `${callbacks}/vonage/voice`,
      sendgridEvents: `${callbacks}/sendgrid/events`,
    },
    deliveries: `${base}/v1/deliveries/${tenant}`,
  };
}

/** The unprefixed paths the single-org setup has always used, served for the tenant `default`. */
export function isDefaultTenant(tenant: string): boolean {
  return tenant === DEFAULT_TENANT_ID;
}
