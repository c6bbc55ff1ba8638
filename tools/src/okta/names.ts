/**
 * The names `setup` gives the objects it makes. `status` and `teardown` find them by these names (and the group,
 * user and zone through the references these objects hold), so they work with no options at all.
 */
export const NAMES = {
  hook: 'byot telephony hook',
  hookKey: 'byot hook key',
  group: 'byot phone users',
  enrollmentPolicy: 'byot phone enrollment',
  enrollmentRule: 'byot phone enrollment rule',
  accessRule: 'byot password + phone',
  /** The authentication policy the guide adds its rule to. */
  accessPolicy: 'Default Policy',
} as const;

/** Marks what setup created, so that teardown removes only those (a group someone else made is left alone). */
export const MANAGED_DESCRIPTION = 'Managed by byot-okta setup: the telephony hook guide, as code.';

/** The scope byot's token endpoint grants the hook's client (issue 12). */
export const BYOT_HOOK_SCOPE = 'byot.telephony';

/** What a service app (OKTA_CLIENT_ID + OKTA_PRIVATE_KEY) needs for every call of the command. */
export const MANAGEMENT_SCOPES = [
  'okta.inlineHooks.manage',
  'okta.authenticators.manage',
  'okta.policies.manage',
  'okta.groups.manage',
  'okta.users.manage',
  'okta.networkZones.manage',
  'okta.customTelephonyProvider.read',
] as const;

/** A custom header on the hook, carrying a fingerprint of its secret (Okta never returns the secret itself). */
export const FINGERPRINT_HEADER = 'X-Byot-Auth-Fingerprint';
