import { parseBasicAuth, secretsEqual } from '../lib/credentials.ts';

export { parseBasicAuth } from '../lib/credentials.ts';

import type { SimulatedAccount, TwilioAccounts } from './accounts.ts';
import { authenticateError, notFoundError, type TwilioError } from './errors.ts';

export interface TwilioAccount {
  accountSid: string;
  authToken: string;
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

export type TwilioAuthResult = { ok: true; account: SimulatedAccount } | { ok: false; error: TwilioError };

/**
 * HTTP Basic with AccountSid:AuthToken, against every account the simulator holds (the main account and its
 * subaccounts). No or wrong credentials: 401, code 20003 "Authenticate", as Twilio answers; the same for an
 * account that is suspended or closed. API keys (an SK… username) are not simulated.
 */
export function authenticate(header: string | undefined, accounts: TwilioAccounts): TwilioAuthResult {
  const credentials = parseBasicAuth(header);
  if (!credentials) {
    return {
      ok: false,
      error: authenticateError('HTTP Basic credentials (AccountSid:AuthToken) are required.'),
    };
  }
  const account = accounts.get(credentials.username);
  // The token comparison always runs (against a dummy for an unknown SID), so timing does not reveal which half
  // was wrong.
  const passwordOk = secretsEqual(credentials.password, account?.authToken ?? accounts.main.authToken);
  if (!account || !passwordOk) {
    return { ok: false, error: authenticateError('Your AccountSid or AuthToken was incorrect.') };
  }
  if (account.status !== 'active') {
    return { ok: false, error: authenticateError(`The account ${account.accountSid} is ${account.status}.`) };
  }
  return { ok: true, account };
}

/** Credentials only: an error, or null when they are good. */
export function checkCredentials(header: string | undefined, accounts: TwilioAccounts): TwilioError | null {
  const result = authenticate(header, accounts);
  return result.ok ? null : result.error;
}

/**
 * Credentials first, then the account in the URL; answers the account the request acts for.
 * - Path AccountSid not shaped like one (e.g. "/Accounts/null/…", a common configuration bug): 404, code
 *   20404, as Twilio answers for an unknown resource.
 * - Another, well-formed account: 401/20003, unless it is a subaccount of the authenticated (main) account,
 *   which Twilio lets act on its subaccounts. A suspended subaccount is refused however it is reached.
 */
export function authorizeTwilio(
  header: string | undefined,
  pathAccountSid: string,
  requestPath: string,
  accounts: TwilioAccounts,
): TwilioAuthResult {
  const authenticated = authenticate(header, accounts);
  if (!authenticated.ok) return authenticated;
  if (!ACCOUNT_SID.test(pathAccountSid)) return { ok: false, error: notFoundError(requestPath) };
  const target = accounts.get(pathAccountSid);
  if (!target || !accounts.mayActOn(authenticated.account, target)) {
    return {
      ok: false,
      error: authenticateError('The AccountSid in the URL is not the account these credentials belong to.'),
    };
  }
  if (target.status !== 'active') {
    return { ok: false, error: authenticateError(`The account ${target.accountSid} is ${target.status}.`) };
  }
  return { ok: true, account: target };
}

/** authorizeTwilio's error, or null. */
export function checkTwilioAuth(
  header: string | undefined,
  pathAccountSid: string,
  requestPath: string,
  accounts: TwilioAccounts,
): TwilioError | null {
  const result = authorizeTwilio(header, pathAccountSid, requestPath, accounts);
  return result.ok ? null : result.error;
}
