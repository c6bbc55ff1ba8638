import { parseBasicAuth, secretsEqual } from '../lib/credentials.ts';

export { parseBasicAuth } from '../lib/credentials.ts';

import { authenticateError, notFoundError, type TwilioError } from './errors.ts';

export interface TwilioAccount {
  accountSid: string;
  authToken: string;
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

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
