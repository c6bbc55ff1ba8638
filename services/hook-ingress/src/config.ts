import {
  adminEnv,
  booleanFromEnv,
  checkRedisEnv,
  deliveryEnv,
  loggingEnv,
  port,
  publicUrlEnv,
  redisEnv,
  routingEnv,
  sealingEnv,
} from '@byot/config';
import { isSupportedRegion } from '@byot/contracts';
import { FraudPolicies, type FraudPolicy, FraudPolicyError, fraudPolicyFromEnv } from '@byot/fraud';
import { isSendGridPublicKey } from '@byot/providers/registry';
import { tenancyEnv } from '@byot/tenancy';
import { z } from 'zod';
import { consoleEnv } from './admin/console/config.ts';
import { checkHookAuthentication, oauthEnv } from './oauth/env.ts';

/**
 * Express's `trust proxy`: which hops' X-Forwarded-For to believe, so throttling and logs see Okta's address rather
 * than the load balancer's. Unset: none (the socket's peer). A hop count, `loopback`, or addresses/CIDRs.
 */
const trustProxy = z
  .string()
  .regex(
    /^(\d{1,2}|true|false|[0-9A-Fa-f.:/, ]+|loopback|linklocal|uniquelocal)$/,
    'must be a hop count, addresses/CIDRs, or loopback',
  )
  .transform((v): boolean | number | string =>
    /^\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v,
  );

export const ingressEnvSchema = z
  .object({
    PORT: port(8080),
    HOST: z.string().default('0.0.0.0'),
    ...redisEnv,
    ...sealingEnv,
    ...loggingEnv,
    ...publicUrlEnv,
    ...deliveryEnv,
    ...adminEnv,
    /** The admin port: GET /metrics, and the queue dashboard at /queues when ADMIN_TOKEN is set. Never the hook port. */
    ADMIN_PORT: port(9100),
    ADMIN_HOST: z.string().default('0.0.0.0'),
    /** Lets the queue dashboard retry, promote and clean jobs; off: it only reads. */
    ADMIN_DASHBOARD_ACTIONS: booleanFromEnv.default(false),
    /** The support console on the admin port (/console): sign-in with Okta, sessions. */
    ...consoleEnv,
    /** The header Okta sends the shared secret in (Okta's "Authentication field"). */
    OKTA_HOOK_AUTH_HEADER: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name')
      .transform((v) => v.toLowerCase())
      .default('authorization'),
    /**
     * The exact value Okta sends in that header (Okta's "Authentication secret"), e.g. "Basic dXNlcjpwYXNz".
     * Required when OKTA_HOOK_AUTH includes `header` (the default).
     */
    OKTA_HOOK_AUTH_SECRET: z
      .string()
      .min(16, {
        message: 'must be at least 16 characters (use a long random secret)',
      })
      .optional(),
    ...oauthEnv,
    TRUST_PROXY: trustProxy.optional(),
    /** Open connections the hook port holds at most (Okta's, providers' callbacks, token requests); more are dropped. */
    /**
     * Processes serving the hook port together (SO_REUSEPORT, Linux): up to one per core. 1 keeps one process.
     * Each extra process has the admin port ADMIN_PORT + its index (1, 2, …). See http/ingress-processes.ts.
     */
    INGRESS_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
    HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(16).max(100_000).default(2_048),
    /** How long the hook waits for a provider to accept before answering PENDING. Okta gives up at 3 000 ms. */
    HOOK_RESPONSE_BUDGET_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(2500, { message: 'must be at most 2500: Okta abandons the call at 3000 ms, network included' })
      .default(2000),
    /**
     * How long enqueueing may take before we give up and let Okta fall back to its own providers. A healthy Redis
     * answers in a millisecond; this only catches a hung one, so it leaves room for a busy machine.
     */
    HOOK_ENQUEUE_TIMEOUT_MS: z.coerce.number().int().min(20).max(2000).default(1000),
    HOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(262_144).default(32_768),
    /** Region assumed for numbers Okta sends without a country code (ISO 3166 alpha-2). */
    DEFAULT_PHONE_REGION: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US or GB')
      // A well-formed code libphonenumber does not know would make every national-format number fail, at run time.
      .refine(isSupportedRegion, {
        error: (issue) => `${String(issue.input)} is not a region libphonenumber supports`,
      })
      .default('US'),
    /** Upper bound on how long we keep trying, whatever otpExpires says (bounds how long anything stays in Redis). */
    MAX_OTP_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(86_400).default(1_800),
    /**
     * With a tenants file: each tenant's send pace (ADR 0023), codes a second after a burst of TENANT_SEND_BURST
     * at once; more are held back (delayed, never refused) so one tenant's campaign cannot take every worker and
     * core from the others. A tenant's `sendPace:` in the file overrides it; 0 turns the pace off. Unused without
     * a tenants file (one org has no neighbour).
     */
    TENANT_SENDS_PER_SECOND: z.coerce.number().min(0).max(100_000).default(50),
    /** Codes a tenant may send at once before its pace applies (default: a fifth of a second's worth of its pace). */
    TENANT_SEND_BURST: z.coerce.number().int().min(1).max(100_000).optional(),
    /** Verifies X-Twilio-Signature on Twilio status callbacks. Unset: the Twilio callback routes answer 404. */
    TWILIO_AUTH_TOKEN: z.string().min(16, { message: 'must be the account auth token' }).optional(),
    /**
     * Vonage's signature secret: verifies SMS delivery receipts (`sig`, SHA-256 HMAC) and voice events (HS256
     * JWT). Unset: Vonage's callback routes answer 404 (fail closed), unless VONAGE_CALLBACKS_ALLOW_UNSIGNED.
     */
    VONAGE_SIGNATURE_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    /**
     * The explicit, loudly logged opt-out: accept Vonage callbacks UNSIGNED when no secret is set. Anyone who can
     * reach the ingress can then forge a "failed" receipt (the code is sent again) or a "delivered" one.
     */
    VONAGE_CALLBACKS_ALLOW_UNSIGNED: booleanFromEnv.default(false),
    /** The workers' provider lists (one shared environment): Vonage's callbacks are served only if it is in one. */
    SMS_PROVIDERS: routingEnv.SMS_PROVIDERS,
    VOICE_PROVIDERS: routingEnv.VOICE_PROVIDERS,
    /** SendGrid's event-webhook verification key (Base64 DER, as SendGrid shows it). Unset: route answers 404. */
    SENDGRID_EVENT_PUBLIC_KEY: z
      .string()
      .refine(isSendGridPublicKey, 'must be the Base64 EC P-256 public key SendGrid shows for signed events')
      .optional(),
    /** Body cap of Twilio and Vonage callbacks (SendGrid event batches have their own, larger cap). */
    CALLBACK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(262_144).default(16_384),
    /** Many Okta orgs (issue 13): the tenants file. Unset: the environment describes the one tenant, `default`. */
    ...tenancyEnv,
  })
  // With a tenants file every tenant's hook authentication is in the file (checked when it is loaded).
  .superRefine((cfg, ctx) => (cfg.TENANTS_FILE === undefined ? checkHookAuthentication(cfg, ctx) : undefined))
  .superRefine(checkRedisEnv);

export type IngressConfig = z.infer<typeof ingressEnvSchema>;

/**
 * The fraud policy of the tenant `default`, from ALLOWED_COUNTRIES, LIMIT_PER_NUMBER, … (see @byot/fraud's
 * FRAUD_ENV and .env.example). Exits with the list of problems, as loadConfigOrExit does for the rest.
 */
export function loadFraudPoliciesOrExit(env: NodeJS.ProcessEnv = process.env): FraudPolicies {
  let policy: FraudPolicy;
  try {
    policy = fraudPolicyFromEnv(env);
  } catch (error) {
    if (!(error instanceof FraudPolicyError)) throw error;
    process.stderr.write(
      `hook-ingress: ${error.message}\nSee .env.example and the README's Fraud controls section.\n`,
    );
    process.exit(78); // EX_CONFIG
  }
  return new FraudPolicies(policy);
}
