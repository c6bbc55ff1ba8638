/**
 * Credentials the simulator accepts when none are configured. They are public by design (they appear in the
 * README): the simulator guards nothing, it only checks that clients send credentials the way Twilio expects.
 */
export const SANDBOX_TWILIO_ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const SANDBOX_TWILIO_AUTH_TOKEN = 'sandbox-auth-token';
