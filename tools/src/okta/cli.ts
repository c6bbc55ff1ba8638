import { type CommandDeps, runCommand } from './commands.ts';
import { parseCommandLine, UsageError } from './settings.ts';
import { SetupStop } from './steps.ts';
import { TenantsFileRefused, UnknownTenant } from './tenants.ts';

export const USAGE = `usage: npm run okta -- <command> [options]      (or: byot-okta <command> [options])

commands
  setup --hook-url URL [--auth header|oauth] [--group NAME] [--user LOGIN] [--voice] [--zone NAME] [--dry-run]
        [--tenant ID]
        creates or updates, by name, every object of the guide: the telephony inline hook (active), the phone
        authenticator (SMS, and voice with --voice, for authentication and recovery), the group and its test user,
        the enrollment policy requiring phone (+ rule, inside --zone if given), the authentication rule
        "password + phone" at priority 1. Prints each step; generated secrets once.
        --client-auth client_secret_post|private_key_jwt   with --auth oauth (default client_secret_post)
        --token-url URL        byot's token endpoint (default: <hook URL origin>/oauth2/default/v1/token)
        --zone-countries US,CA with --zone: setup makes (or updates) a dynamic zone of these countries
  verify [--phone E164] [--channel sms|voice] [--user LOGIN] [--byot-url URL]
        runs Okta's execute on the hook with a realistic request, prints Okta's view of byot's answer, then
        byot's ledger entry for that eventId (needs ADMIN_TOKEN)
  status [setup's options]
        compares the org with what setup makes: drift, a second active telephony hook, an active native custom
        telephony provider. Exit 1 on drift.
  teardown [--yes]
        deactivates and removes what setup created (asks first, or --yes)

Many orgs (the tenants file, TENANTS_FILE; every command)
  --tenant ID      the tenant's org (oktaOrg), its Management API credentials (oktaApi), its hook auth
                   (hookAuth), hook URL {PUBLIC_BASE_URL}/v1/okta/telephony/ID, token URL
                   {PUBLIC_BASE_URL}/oauth2/ID/v1/token. Generated secrets are printed as the tenant's block.
  --all-tenants    each tenant of the file in turn, past a failing one; a summary table; exit 1 if any failed

Okta org and credentials (every command)
  --org-url URL    or OKTA_ORG_URL (https://; http:// only for loopback: the simulator). Without either, the
                   sandbox's okta-sim that npm start runs.
  --api-token T    or OKTA_API_TOKEN (SSWS), or an OAuth 2.0 service app: OKTA_CLIENT_ID + OKTA_PRIVATE_KEY
                   (PEM, JWK or a file; OKTA_KEY_ID, OKTA_SCOPES optional)
byot's side (read from the environment, .env and .data/dev-secrets.env)
  OKTA_HOOK_AUTH_HEADER, OKTA_HOOK_AUTH_SECRET              the header secret (generated when there is none)
  OKTA_HOOK_OAUTH_CLIENT_ID, OKTA_HOOK_OAUTH_CLIENT_SECRET  the OAuth client (generated when there is none)
  ADMIN_TOKEN                                               verify reads byot's ledger with it
`;

/** Runs the command line; returns the exit status (0 ok, 1 drift or failure, 2 usage). */
export async function runCli(argv: readonly string[], deps: CommandDeps): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    deps.io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help || !parsed.command) {
    (parsed.help ? deps.io.out : deps.io.err)(USAGE);
    return parsed.help ? 0 : 2;
  }
  try {
    return await runCommand(parsed.command, parsed.values, deps);
  } catch (error) {
    if (error instanceof UsageError) {
      deps.io.err(`${error.message}\n(npm run okta -- --help for usage)\n`);
      return 2;
    }
    if (error instanceof SetupStop || error instanceof UnknownTenant || error instanceof TenantsFileRefused) {
      deps.io.err(`stopped: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
