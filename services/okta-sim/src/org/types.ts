/**
 * The objects of a simulated Okta org, stored in Okta's own JSON shapes (what the Management API returns),
 * plus the few things Okta keeps and never returns (hook secrets, hook keys' private halves, users'
 * passwords and phone enrollments).
 */

export type HookStatus = 'ACTIVE' | 'INACTIVE';

export interface HookHeader {
  key: string;
  value: string;
}

export interface HttpChannelConfig {
  uri: string;
  method: 'POST';
  headers: HookHeader[];
  authScheme: { type: 'HEADER'; key: string } | null;
}

export interface OAuthChannelConfig {
  uri: string;
  method: 'POST';
  headers: HookHeader[];
  authType: 'client_secret_post' | 'private_key_jwt';
  clientId: string;
  tokenUrl: string;
  scope?: string;
  hookKeyId?: string;
}

export type HookChannel =
  | { type: 'HTTP'; version: string; config: HttpChannelConfig }
  | { type: 'OAUTH'; version: string; config: OAuthChannelConfig };

export interface InlineHook {
  id: string;
  name: string;
  status: HookStatus;
  type: string;
  version: string;
  channel: HookChannel;
  created: string;
  lastUpdated: string;
}

/** What Okta stores and never returns: the header value, or the OAuth client secret. */
export interface HookSecret {
  headerValue?: string;
  clientSecret?: string;
}

export interface HookKey {
  id: string;
  keyId: string;
  name: string;
  created: string;
  lastUpdated: string;
  /** PKCS#8 PEM: signs the private_key_jwt client assertions. Never returned. */
  privateKeyPem: string;
  publicJwk: { kty: 'RSA'; n: string; e: string };
}

export interface AuthenticatorMethod {
  type: string;
  status: HookStatus;
}

export interface Authenticator {
  id: string;
  key: string;
  name: string;
  type: string;
  status: HookStatus;
  created: string;
  lastUpdated: string;
  settings?: Record<string, unknown>;
  methods: AuthenticatorMethod[];
}

export interface Policy {
  id: string;
  type: 'MFA_ENROLL' | 'ACCESS_POLICY' | 'OKTA_SIGN_ON' | 'PASSWORD';
  name: string;
  description?: string;
  status: HookStatus;
  priority: number;
  system: boolean;
  conditions: Record<string, unknown> | null;
  settings?: Record<string, unknown>;
  created: string;
  lastUpdated: string;
}

export interface PolicyRule {
  id: string;
  policyId: string;
  type: string;
  name: string;
  status: HookStatus;
  priority: number;
  system: boolean;
  conditions: Record<string, unknown> | null;
  actions: Record<string, unknown>;
  created: string;
  lastUpdated: string;
}

export interface Group {
  id: string;
  type: 'OKTA_GROUP' | 'BUILT_IN';
  profile: { name: string; description: string };
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  members: Set<string>;
}

export interface UserProfile {
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  mobilePhone?: string | null;
  [attribute: string]: unknown;
}

export interface PhoneEnrollment {
  id: string;
  /** E.164. */
  phoneNumber: string;
  /** The channel the enrollment was verified with. */
  method: 'sms' | 'voice';
  created: string;
}

export interface User {
  id: string;
  status: 'STAGED' | 'PROVISIONED' | 'ACTIVE' | 'SUSPENDED' | 'DEPROVISIONED' | 'LOCKED_OUT';
  created: string;
  activated: string | null;
  lastUpdated: string;
  profile: UserProfile;
  /** The sandbox's sign-in never asks for it, but the API accepts it as Okta does. Never returned. */
  password?: string;
  phone?: PhoneEnrollment;
}

export interface NetworkZone {
  id: string;
  type: 'IP' | 'DYNAMIC';
  name: string;
  status: HookStatus;
  usage: 'POLICY' | 'BLOCKLIST';
  system: boolean;
  gateways?: { type: 'CIDR' | 'RANGE'; value: string }[] | null;
  proxies?: { type: 'CIDR' | 'RANGE'; value: string }[] | null;
  locations?: { country: string; region?: string | null }[] | null;
  created: string;
  lastUpdated: string;
}

export interface TelephonyProvider {
  id: string;
  providerName: 'TWILIO' | 'TELESIGN';
  providerCapability: 'ALL';
  providerSid: string;
  providerSettings: Record<string, unknown>;
  enabled: boolean;
  isPrimaryProvider: boolean;
  /** Never returned. */
  providerAuthToken: string;
}
