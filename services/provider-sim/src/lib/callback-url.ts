export interface CallbackUrlRules {
  /**
   * Twilio's Messages API refuses host names with underscores in StatusCallback (they are not valid DNS host
   * names, and its callback fetcher cannot reach them); the Calls API does not document that rule.
   */
  allowUnderscoreInHost: boolean;
}

const MAX_URL_LENGTH = 4000;

/**
 * Checks a status-callback URL the way Twilio describes error 21609: absolute, http or https, a host name,
 * at most 4000 characters. Returns why it is unusable, or null when it is fine.
 */
export function callbackUrlProblem(value: string, rules: CallbackUrlRules): string | null {
  if (value.length > MAX_URL_LENGTH) return `longer than ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'not an http or https URL';
  if (url.hostname === '') return 'no host name';
  if (!rules.allowUnderscoreInHost && url.hostname.includes('_'))
    return 'underscores are not allowed in the host name';
  return null;
}
