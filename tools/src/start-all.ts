/**
 * Starts the whole system on one machine, for a first look and for local work:
 *   Redis (a local redis-server with AOF under .data/redis, unless REDIS_URL is set), the provider simulator,
 *   hook-ingress, the workers and the Okta simulator (the customer's org, for `npm run okta` and sign-ins), with
 *   readable logs, until Ctrl-C.
 *
 *   npm start
 *
 * Every service reads the same environment (process env > .env > generated .data/dev-secrets.env).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { findRedisServerBinary, nodeServiceArgs, RedisServerProcess, waitForHttp } from '@byot/testkit';
import {
  DATA_DIR,
  loadDevEnvironment,
  REPO_ROOT,
  SANDBOX_OAUTH_CLIENT_ID,
  SANDBOX_OKTA_FILE,
  SANDBOX_TWILIO,
  SANDBOX_VONAGE,
} from './dev-env.ts';
import { formatLogLine } from './log-format.ts';

interface ServiceSpec {
  name: string;
  entry: string;
  env: Record<string, string>;
  readyUrl: string;
}

const env = loadDevEnvironment();
/** The sandbox's destination countries (ALLOWED_COUNTRIES in .env overrides it). */
const SANDBOX_COUNTRIES = 'US,CA,GB,IE,DE,FR,ES,AU';
const color = process.stdout.isTTY === true && !env.NO_COLOR;
const ports = {
  ingress: Number(env.PORT ?? 8080),
  sim: Number(env.SIM_PORT ?? 4010),
  // Twilio's own simulator port, so `PUT /sim/faults/twilio {"down":true}` refuses connections like a dead provider.
  simTwilio: Number(env.SIM_TWILIO_PORT ?? 4011),
  smsHealth: Number(env.SMS_WORKER_HEALTH_PORT ?? 9101),
  voiceHealth: Number(env.VOICE_WORKER_HEALTH_PORT ?? 9102),
  redis: Number(env.LOCAL_REDIS_PORT ?? 6390),
  okta: Number(env.OKTA_SIM_PORT ?? 4020),
};

const children: ChildProcess[] = [];
let redis: RedisServerProcess | undefined;
let stopping = false;

function say(line: string): void {
  process.stdout.write(`${formatLogLine('byot', JSON.stringify({ level: 'info', msg: line }), color)}\n`);
}

async function startRedis(): Promise<string> {
  if (env.REDIS_URL) {
    say(`using Redis at REDIS_URL (not starting one)`);
    return env.REDIS_URL;
  }
  if (!findRedisServerBinary()) {
    throw new Error(
      'redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL',
    );
  }
  const dir = join(DATA_DIR, 'redis');
  mkdirSync(dir, { recursive: true });
  // AOF on, as the README recommends for production: accepted jobs survive a Redis restart.
  redis = await RedisServerProcess.start({ port: ports.redis, dir, appendonly: true });
  say(
    `started redis-server on 127.0.0.1:${ports.redis} (data in ${relative(REPO_ROOT, dir) || dir}, AOF on)`,
  );
  return redis.url;
}

function startService(spec: ServiceSpec): ChildProcess {
  const child = spawn(process.execPath, nodeServiceArgs(join(REPO_ROOT, spec.entry)), {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      process.stdout.write(`${formatLogLine(spec.name, line, color)}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${spec.name} exited (${signal ?? code}); stopping everything`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  // Intake first (the ingress), then the workers drain, then the simulator and Redis.
  for (const child of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 20_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
  await redis?.stop();
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  const redisUrl = await startRedis();
  const twilioSandbox = { ...SANDBOX_TWILIO, ...pick(env, Object.keys(SANDBOX_TWILIO)) };
  const simUrl = `http://127.0.0.1:${ports.sim}`;
  const oktaUrl = `http://127.0.0.1:${ports.okta}`;
  const common = { REDIS_URL: redisUrl, LOG_LEVEL: env.LOG_LEVEL ?? 'info' };
  // The sandbox shows failover: Twilio first, the simulated Vonage as backup (unless .env says otherwise).
  const vonageSandbox = {
    ...SANDBOX_VONAGE,
    ...pick(env, [...Object.keys(SANDBOX_VONAGE), 'VONAGE_PRIVATE_KEY', 'VONAGE_SIGNATURE_SECRET']),
  };
  // Providers call back on the ingress, as they would on its public URL: receipts drive the ledger and failover.
  const publicBaseUrl = env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${ports.ingress}`;
  const oauthClientId = env.OKTA_HOOK_OAUTH_CLIENT_ID ?? SANDBOX_OAUTH_CLIENT_ID;
  const workerProviders = {
    PUBLIC_BASE_URL: publicBaseUrl,
    ...vonageSandbox,
    SMS_PROVIDERS: env.SMS_PROVIDERS ?? 'twilio,vonage',
    VOICE_PROVIDERS: env.VOICE_PROVIDERS ?? 'twilio,vonage',
    VONAGE_REST_HOST: env.VONAGE_REST_HOST ?? simUrl,
    VONAGE_API_HOST: env.VONAGE_API_HOST ?? simUrl,
    TWILIO_API_BASE_URL: env.TWILIO_API_BASE_URL ?? `http://127.0.0.1:${ports.simTwilio}`,
  };

  const services: ServiceSpec[] = [
    {
      name: 'provider-sim',
      entry: 'services/provider-sim/src/main.ts',
      env: {
        ...common,
        ...twilioSandbox,
        ...vonageSandbox,
        PORT: String(ports.sim),
        HOST: '127.0.0.1',
        SIM_TWILIO_PORT: String(ports.simTwilio),
      },
      readyUrl: `${simUrl}/healthz`,
    },
    {
      name: 'sms-worker',
      entry: 'services/sms-worker/src/main.ts',
      env: {
        ...common,
        ...twilioSandbox,
        ...workerProviders,
        HEALTH_PORT: String(ports.smsHealth),
        HEALTH_HOST: '127.0.0.1',
      },
      readyUrl: `http://127.0.0.1:${ports.smsHealth}/readyz`,
    },
    {
      name: 'voice-worker',
      entry: 'services/voice-worker/src/main.ts',
      env: {
        ...common,
        ...twilioSandbox,
        ...workerProviders,
        HEALTH_PORT: String(ports.voiceHealth),
        HEALTH_HOST: '127.0.0.1',
      },
      readyUrl: `http://127.0.0.1:${ports.voiceHealth}/readyz`,
    },
    {
      name: 'hook-ingress',
      entry: 'services/hook-ingress/src/main.ts',
      env: {
        ...common,
        PORT: String(ports.ingress),
        PUBLIC_BASE_URL: publicBaseUrl,
        // Verifies the simulator's signed status callbacks, as the real providers' would be (Vonage's are served
        // because it is one of the providers).
        TWILIO_AUTH_TOKEN: twilioSandbox.TWILIO_AUTH_TOKEN,
        ...pick(vonageSandbox, ['VONAGE_SIGNATURE_SECRET']),
        ...pick(workerProviders, ['SMS_PROVIDERS', 'VOICE_PROVIDERS']),
        // Both of Okta's schemes: the header secret, and OAuth 2.0 with byot's token endpoint (Client ID/Secret).
        OKTA_HOOK_AUTH: env.OKTA_HOOK_AUTH ?? 'header,oauth',
        OKTA_HOOK_OAUTH_CLIENT_ID: oauthClientId,
        // The fraud controls as a deployment should run them: an explicit country list, not `*`.
        ALLOWED_COUNTRIES: env.ALLOWED_COUNTRIES ?? SANDBOX_COUNTRIES,
      },
      readyUrl: `http://127.0.0.1:${ports.ingress}/readyz`,
    },
    {
      // The customer's Okta org: `npm run okta` sets it up, its sandbox page signs people in and calls the hook.
      name: 'okta-sim',
      entry: 'services/okta-sim/src/main.ts',
      env: {
        LOG_LEVEL: common.LOG_LEVEL,
        PORT: String(ports.okta),
        HOST: '127.0.0.1',
        OKTA_SIM_API_TOKEN: env.OKTA_SIM_API_TOKEN ?? '',
        OKTA_SIM_INBOX_URL: `${simUrl}/`,
      },
      readyUrl: `${oktaUrl}/healthz`,
    },
  ];
  for (const service of services) {
    startService(service);
    await waitForHttp(service.readyUrl, 30_000);
  }
  // Where `npm run okta` finds the sandbox's org when no OKTA_ORG_URL is given.
  writeFileSync(
    SANDBOX_OKTA_FILE,
    `# Written by npm start: the sandbox's Okta org (okta-sim). Not for production.\nOKTA_ORG_URL="${oktaUrl}"\nOKTA_API_TOKEN="${env.OKTA_SIM_API_TOKEN ?? ''}"\n`,
    { mode: 0o600 },
  );

  const hookUrl = `http://127.0.0.1:${ports.ingress}/v1/okta/telephony`;
  const secretsFile = relative(REPO_ROOT, join(DATA_DIR, 'dev-secrets.env'));
  process.stdout.write(
    [
      '',
      'byot is running (sandbox: codes go to the provider simulator, not to phones).',
      `  Okta hook:    POST ${hookUrl}`,
      `  Auth header:  ${env.OKTA_HOOK_AUTH_HEADER ?? 'authorization'}: ${env.OKTA_HOOK_AUTH_SECRET ?? '(OKTA_HOOK_AUTH_SECRET)'}`,
      "  OAuth 2.0 (Okta's hook form, Authentication: OAuth 2.0, client secret):",
      `    Client ID:     ${oauthClientId}`,
      `    Client Secret: ${env.OKTA_HOOK_OAUTH_CLIENT_SECRET ?? '(OKTA_HOOK_OAUTH_CLIENT_SECRET)'}`,
      `    Token URL:     ${publicBaseUrl}/oauth2/default/v1/token`,
      `    (sandbox values, generated into ${secretsFile}; try it: npm run preview -- --phone +14155550123 --auth oauth)`,
      `  Inbox:        ${simUrl}/   (the simulated phone: every SMS and call lands here)`,
      `  Try it:       npm run preview -- --phone +14155550123`,
      `  By voice:     npm run preview -- --phone +14155550123 --channel voice --locale fr-FR`,
      `  Delivery:     curl -H "Authorization: Bearer $ADMIN_TOKEN" http://127.0.0.1:${ports.ingress}/v1/deliveries/<eventId>`,
      `                (ADMIN_TOKEN in ${secretsFile}; the ledger: attempts, receipts, delivery latency)`,
      `  Console:      http://127.0.0.1:${Number(env.ADMIN_PORT ?? 9100)}/console   (support console: deliveries, providers)`,
      `                (sign in with the value of ADMIN_TOKEN in ${secretsFile}, without the quotes)`,
      `  Fraud:        npm run preview -- --phone +448712345678   (premium rate: FAILED, nothing sent; countries ${env.ALLOWED_COUNTRIES ?? SANDBOX_COUNTRIES})`,
      `                curl -H "Authorization: Bearer $ADMIN_TOKEN" http://127.0.0.1:${ports.ingress}/v1/blocks   (holds, limited numbers)`,
      `  Okta org:     ${oktaUrl}  (okta-sim: the customer's org; its token in ${relative(REPO_ROOT, SANDBOX_OKTA_FILE)})`,
      `  Set it up:    npm run okta -- setup --hook-url ${hookUrl} --user test.user@example.com`,
      `  Sign in:      ${oktaUrl}/sandbox   (enroll a phone as test.user@example.com, read the code in the inbox, verify)`,
      `  Failover:     curl -X PUT ${simUrl}/sim/faults/twilio -H 'content-type: application/json' -d '{"down":true}'`,
      `                (then preview again: Vonage delivers; curl -X DELETE ${simUrl}/sim/faults/twilio to restore)`,
      '  Stop:         Ctrl-C',
      '',
    ].join('\n'),
  );
} catch (error) {
  process.stderr.write(`could not start byot: ${(error as Error).message}\n`);
  await shutdown(1);
}

function pick(source: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => source[k]).map((k) => [k, source[k] as string]));
}
