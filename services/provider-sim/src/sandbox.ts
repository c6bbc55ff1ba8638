/**
 * Credentials the simulator accepts when none are configured. They are public by design (they appear in the
 * README): the simulator guards nothing, it only checks that clients send credentials the way Twilio expects.
 */
export const SANDBOX_TWILIO_ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const SANDBOX_TWILIO_AUTH_TOKEN = 'sandbox-auth-token';

/** Vonage: the account's API key and secret (SMS API) and the application the Voice API JWTs must name. */
export const SANDBOX_VONAGE_API_KEY = 'sandboxkey';
export const SANDBOX_VONAGE_API_SECRET = 'sandbox-api-secret';
export const SANDBOX_VONAGE_APPLICATION_ID = '00000000-0000-4000-8000-000000000000';

/** SendGrid: API keys start with "SG."; the SDK warns about any other key. */
export const SANDBOX_SENDGRID_API_KEY = 'SG.sandbox.sandbox-api-key';
