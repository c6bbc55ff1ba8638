import { createHash, timingSafeEqual } from 'node:crypto';
import { authenticateError, notFoundError, type TwilioError } from './errors.ts';

export interface TwilioAccount {
  accountSid: string;
  authToken: string;
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

interface BasicCredentials {
  username: string;
  password: string;
}

export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  // The password (auth token) may itself contain ':'; only the first one separates.
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Compares digests so the comparison time depends on neither the secret's length nor its content. */
function secretsEqual(given: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * HTTP Basic with AccountSid:AuthToken. No or wrong credentials: 401, code 20003 "Authenticate", as Twilio
 * answers. API keys (an SK… username) are not simulated.
 */
export function checkCredentials(header: string | undefined, account: TwilioAccount): TwilioError | null {
  const credentials = parseBasicAuth(header);
  if (!credentials) return authenticateError('HTTP Basic credentials (AccountSid:AuthToken) are required.');
  // Both comparisons always run, so timing does not reveal which half was wrong.
  const userOk = secretsEqual(credentials.username, account.accountSid);
  const passwordOk = secretsEqual(credentials.password, account.authToken);
  if (!userOk || !passwordOk) return authenticateError('Your AccountSid or AuthToken was incorrect.');
  return null;
}

/**
 * Credentials first, then the account in the URL.
 * - Path AccountSid not shaped like one (e.g. "/Accounts/null/…", a common configuration bug): 404, code
 *   20404, as Twilio answers for an unknown resource.
 * - Another, well-formed account: 401/20003. Twilio lets a parent account act on its subaccounts; the
 *   simulator has exactly one account, so any other is one these credentials may not act for.
 */
export function checkTwilioAuth(
  header: string | undefined,
  pathAccountSid: string,
  requestPath: string,
  account: TwilioAccount,
): TwilioError | null {
  const credentialsError = checkCredentials(header, account);
  if (credentialsError) return credentialsError;
  if (!ACCOUNT_SID.test(pathAccountSid)) return notFoundError(requestPath);
  if (pathAccountSid !== account.accountSid) {
    return authenticateError('The AccountSid in the URL is not the account these credentials belong to.');
  }
  return null;
}
