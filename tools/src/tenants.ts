/**
 * Operator commands for the tenants file (TENANTS_FILE):
 *
 *   npm run tenants -- check FILE [--env-file FILE] [--public-base-url URL]
 *       Validates FILE offline exactly as the services do at start (every problem listed; exit 1 when invalid).
 *       `${NAME}` substitutions come from this environment, plus --env-file (KEY=value lines) when given.
 *   npm run tenants -- add ID --okta-org URL [--public-base-url URL] [--auth oauth|header|both] [--region US]
 *                          [--twilio-account-sid AC…] [--twilio-from +1…] [--file FILE]
 *       Prints a new tenant's block with generated secrets, the lines for the secret store and the values to paste
 *       into Okta. With --file, refuses an id or an Okta org the file already has.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, parseEnv } from 'node:util';
import { addTenant, checkTenantsFile } from '@byot/tenancy';

const USAGE = `usage:
  npm run tenants -- check FILE [--env-file FILE] [--public-base-url URL]
  npm run tenants -- add ID --okta-org URL [--public-base-url URL] [--auth oauth|header|both] [--region US]
                         [--twilio-account-sid AC…] [--twilio-from +1…] [--file FILE]
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'env-file': { type: 'string' },
    'public-base-url': { type: 'string' },
    'okta-org': { type: 'string' },
    auth: { type: 'string', default: 'both' },
    region: { type: 'string' },
    'twilio-account-sid': { type: 'string' },
    'twilio-from': { type: 'string' },
    file: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const [command, argument] = positionals;
if (values.help || !command || !argument) {
  process.stderr.write(USAGE);
  process.exit(values.help ? 0 : 2);
}
const publicBaseUrl = values['public-base-url'] ?? process.env.PUBLIC_BASE_URL;

if (command === 'check') {
  const env = {
    ...process.env,
    ...(values['env-file'] ? parseEnv(readFileSync(values['env-file'], 'utf8')) : {}),
  };
  const result = checkTenantsFile(argument, { env, ...(publicBaseUrl ? { publicBaseUrl } : {}) });
  (result.ok ? process.stdout : process.stderr).write(result.text);
  process.exit(result.ok ? 0 : 1);
}

if (command === 'add') {
  const auth = values.auth;
  if (auth !== 'oauth' && auth !== 'header' && auth !== 'both') {
    process.stderr.write('--auth must be oauth, header or both\n');
    process.exit(2);
  }
  if (!values['okta-org']) {
    process.stderr.write(
      `add needs --okta-org URL (the customer's Okta org, e.g. https://acme.okta.com)\n${USAGE}`,
    );
    process.exit(2);
  }
  const result = addTenant({
    id: argument,
    oktaOrg: values['okta-org'],
    auth,
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    ...(values.region ? { defaultRegion: values.region } : {}),
    ...(values['twilio-account-sid'] ? { twilioAccountSid: values['twilio-account-sid'] } : {}),
    ...(values['twilio-from'] ? { twilioFromNumber: values['twilio-from'] } : {}),
    ...(values.file ? { existingFile: { path: values.file, text: readFileSync(values.file, 'utf8') } } : {}),
  });
  if (!result.ok) {
    process.stderr.write(`${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(result.text);
  process.exit(0);
}

process.stderr.write(`unknown command "${command}"\n${USAGE}`);
process.exit(2);
