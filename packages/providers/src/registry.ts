/**
 * The provider registry, and the entry that loads no SDK (`@byot/providers/registry`): what hook-ingress needs
 * to verify and read every provider's status callbacks, and what the workers need to know what a receipt means.
 *
 * Adding a provider: a folder beside twilio/ (its adapters, error meaning, statuses and callbacks, and an
 * index.ts with its ProviderDefinition), and one line in PROVIDERS below.
 */
import { type NormalisedStatus, STATUS_CHANNELS, type StatusChannel } from '@byot/contracts';
import type { CallbackEndpoint, CallbackOptions } from './callbacks.ts';
import {
  type CodeSource,
  NOTHING_ABOUT_THE_NUMBER,
  type ProviderDefinition,
  type ReceiptFailureMeaning,
} from './definition.ts';
import { sendgrid } from './sendgrid/index.ts';
import { twilio } from './twilio/index.ts';
import { vonage } from './vonage/index.ts';

export const PROVIDERS = {
  twilio,
  vonage,
  sendgrid,
} as const;

export type ProviderName = keyof typeof PROVIDERS;
type Registered = (typeof PROVIDERS)[ProviderName];

type CallbackSettingsOf<P> = P extends ProviderDefinition<infer C, infer _S> ? C : never;
type SettingsOf<P> = P extends ProviderDefinition<infer _C, infer S> ? S : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** What the ingress verifies each provider's callbacks with, by provider (absent: that provider's default). */
export type CallbackSettings = { [K in ProviderName]?: CallbackSettingsOf<(typeof PROVIDERS)[K]> };

/** What every provider's adapters are built from, together (the environment's names; later, per tenant). */
export type ProviderSettings = Intersection<SettingsOf<Registered>>;

export function isProviderName(name: string): name is ProviderName {
  return Object.hasOwn(PROVIDERS, name);
}

/** The registered provider of that name; an unknown name is a configuration error. */
export function providerNamed(name: string): ProviderDefinition<unknown, ProviderSettings> {
  if (!isProviderName(name))
    throw new Error(`unknown provider "${name}" (known: ${Object.keys(PROVIDERS).join(', ')})`);
  return PROVIDERS[name] as ProviderDefinition<unknown, ProviderSettings>;
}

/** Any provider's status word for one of its channels, in the normalised vocabulary ('unknown' if not its word). */
export function normaliseProviderStatus(provider: string, channel: string, raw: string): NormalisedStatus {
  if (!isProviderName(provider) || !(STATUS_CHANNELS as readonly string[]).includes(channel))
    return 'unknown';
  return PROVIDERS[provider].normaliseStatus(channel as StatusChannel, raw);
}

/** What a provider's failure receipt says about the number (nothing, for a provider we do not know). */
export function receiptFailureMeaning(
  provider: string,
  channel: StatusChannel,
  errorCode: string | undefined,
): ReceiptFailureMeaning {
  return isProviderName(provider)
    ? PROVIDERS[provider].receiptFailureMeaning(channel, errorCode)
    : NOTHING_ABOUT_THE_NUMBER;
}

/** Where a provider's receipts for a channel are posted (relative to PUBLIC_BASE_URL), if it has any. */
export function callbackPath(provider: string, channel: StatusChannel): string | undefined {
  return isProviderName(provider) ? PROVIDERS[provider].callbackPaths[channel] : undefined;
}

/** The tenant whose callbacks stay on the unprefixed paths (the single-org setup, and `default` in a tenants file). */
const UNPREFIXED_TENANT = 'default';
const CALLBACKS_ROOT = '/v1/callbacks/';

/**
 * A callback path for one tenant (issue 13): `/v1/callbacks/{tenant}/twilio/messages` and so on, verified by the
 * ingress with that tenant's secrets. The `default` tenant keeps today's unprefixed path, so a single-org
 * deployment's provider consoles need no change.
 */
export function tenantCallbackPath(path: string, tenant: string | undefined): string {
  if (tenant === undefined || tenant === UNPREFIXED_TENANT || !path.startsWith(CALLBACKS_ROOT)) return path;
  return `${CALLBACKS_ROOT}${tenant}/${path.slice(CALLBACKS_ROOT.length)}`;
}

/** Every provider's status-callback endpoints, as the ingress serves them. */
export function callbackEndpoints(settings: CallbackSettings, options: CallbackOptions): CallbackEndpoint[] {
  return Object.values(PROVIDERS).flatMap((provider) =>
    (provider as ProviderDefinition).callbacks(settings[provider.name as ProviderName], options),
  );
}

export * from './callbacks.ts';
export * from './definition.ts';
export * from './errors.ts';
export { isSendGridPublicKey, SENDGRID_MAX_BODY_BYTES } from './sendgrid/callbacks.ts';

/** What a provider's error code means in plain words (ProviderDefinition.describeCode); undefined if unknown. */
export function describeProviderCode(provider: string, code: string, source: CodeSource): string | undefined {
  return isProviderName(provider) ? PROVIDERS[provider].describeCode(code, source) : undefined;
}

/** A provider's name for people ("Twilio"); an unknown name as it is. */
export function providerDisplayName(name: string): string {
  return isProviderName(name) ? PROVIDERS[name].displayName : name;
}
