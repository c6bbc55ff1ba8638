import { Auth } from '@vonage/auth';
import { Vonage } from '@vonage/server-sdk';

export interface VonageCredentials {
  apiKey: string;
  apiSecret: string;
  /** Voice API: the application id and its private key (PEM), used to sign the request JWT. */
  applicationId?: string;
  privateKey?: string;
  /** Where the SMS API lives instead of https://rest.nexmo.com (the simulator, a proxy). */
  restHost?: string;
  /** Where the Voice API lives instead of https://api.nexmo.com. */
  apiHost?: string;
  timeoutMs: number;
}

/**
 * One client per credential set (no shared singleton). Note: the SDK logs whole requests, message text included,
 * through the `debug` package: never run it with DEBUG=@vonage* in production.
 */
export function createVonageClient(credentials: VonageCredentials): Vonage {
  const auth = new Auth({
    apiKey: credentials.apiKey,
    apiSecret: credentials.apiSecret,
    ...(credentials.applicationId ? { applicationId: credentials.applicationId } : {}),
    ...(credentials.privateKey ? { privateKey: credentials.privateKey } : {}),
  });
  return new Vonage(auth, {
    ...(credentials.restHost ? { restHost: credentials.restHost.replace(/\/+$/, '') } : {}),
    ...(credentials.apiHost ? { apiHost: credentials.apiHost.replace(/\/+$/, '') } : {}),
    timeout: credentials.timeoutMs,
  });
}
