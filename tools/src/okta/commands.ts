import { createInterface } from 'node:readline/promises';
import { describeOktaReading, maskPhoneNumber, type OktaReading, readOktaAnswer } from '@byot/contracts';
import { envNameFor } from '@byot/tenancy';
import { oktaHookRequest } from '@byot/testkit';
import { MANAGED_DESCRIPTION, NAMES } from './names.ts';
import { OktaOrg } from './okta-org.ts';
import { describeError, formatReports } from './output.ts';
import { type Command, resolveSettings, type Settings, UsageError } from './settings.ts';
import { isDrift, type RunContext, runGuide, SetupStop, type StepReport } from './steps.ts';
import { DEFAULT_TENANT, lacksOktaApi, type TenantDirectory } from './tenants.ts';

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Asks for teardown's confirmation; undefined when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

export interface CommandDeps {
  io: CommandIo;
  tenants: TenantDirectory;
  /** The sandbox's org (npm start's okta-sim), used when no org is given. */
  sandbox?: Record<string, string>;
  /** How long verify waits for byot's ledger to settle. Default 15 s. */
  ledgerWaitMs?: number;
}

function connect(settings: Settings, io: CommandIo): OktaOrg {
  return new OktaOrg({
    orgUrl: settings.orgUrl,
    credentials: settings.credentials,
    onBackoff: (delayMs, url) =>
      io.err(
        `Okta rate limit (429) on ${new URL(url).pathname}: retrying in ${Math.ceil(delayMs / 1000)} s, as X-Rate-Limit-Reset says\n`,
      ),
  });
}

function header(settings: Settings, io: CommandIo): void {
  const who =
    settings.credentials.kind === 'api-token' ? 'API token' : `service app ${settings.credentials.clientId}`;
  io.out(
    `org ${settings.orgUrl} (${settings.orgSource}, ${who})${settings.tenant === 'default' ? '' : `, tenant ${settings.tenant}`}\n`,
  );
}

/** What one tenant's run came to: its exit status and one line for the --all-tenants summary. */
interface Result {
  code: number;
  summary: string;
}

/** The command for one tenant, or with --all-tenants for each; returns the exit status (0 fine, 1 drift or failure). */
export async function runCommand(
  command: Command,
  values: Record<string, unknown>,
  deps: CommandDeps,
): Promise<number> {
  if (values['all-tenants'] === true) return allTenants(command, values, deps);
  const tenant = typeof values.tenant === 'string' ? values.tenant : DEFAULT_TENANT;
  return (await runForTenant(command, values, deps, tenant)).code;
}

async function runForTenant(
  command: Command,
  values: Record<string, unknown>,
  deps: CommandDeps,
  tenant: string,
): Promise<Result & { orgUrl?: string }> {
  const { io } = deps;
  const target = deps.tenants.target(tenant);
  const fromFile = target.defaults.orgSource !== undefined;
  if (fromFile && values['org-url'] !== undefined) {
    throw new UsageError(
      `--org-url is for the environment's org: tenant "${tenant}" is the org of its oktaOrg in the tenants file`,
    );
  }
  if (fromFile && values['api-token'] === undefined && lacksOktaApi(target)) {
    const name = envNameFor(tenant, 'OKTA_API_TOKEN');
    throw new SetupStop(
      `tenant "${tenant}" has no Management API credentials: add oktaApi: { token: "\${${name}}" } (or a service app: oktaApi: { clientId, privateKey }) to its entry, or give --api-token`,
    );
  }
  const settings = resolveSettings(command, values, target.env, deps.sandbox, target.defaults);
  header(settings, io);
  const org = connect(settings, io);
  try {
    const result = await run(command, org, settings, deps);
    return { ...result, orgUrl: settings.orgUrl };
  } catch (error) {
    if (error instanceof SetupStop || error instanceof UsageError) throw error;
    const message = describeError(error);
    io.err(`${message}\n`);
    return { code: 1, summary: message, orgUrl: settings.orgUrl };
  }
}

function run(command: Command, org: OktaOrg, settings: Settings, deps: CommandDeps): Promise<Result> {
  switch (command) {
    case 'setup':
      return setup(org, settings, deps);
    case 'status':
      return status(org, settings, deps.io);
    case 'teardown':
      return teardown(org, settings, deps.io);
    case 'verify':
      return verify(org, settings, deps);
  }
}

/**
 * Every tenant of the tenants file in turn: one failing (unreachable org, refused token, a conflict) does not
 * stop the others; a summary table closes the run, and the exit status is 1 when any tenant failed or drifted.
 */
async function allTenants(
  command: Command,
  values: Record<string, unknown>,
  deps: CommandDeps,
): Promise<number> {
  for (const option of ['tenant', 'org-url', 'api-token', 'hook-url', 'token-url']) {
    if (values[option] !== undefined) {
      throw new UsageError(`--${option} names one tenant's setting: it does not go with --all-tenants`);
    }
  }
  const ids = deps.tenants.ids();
  const rows: string[][] = [['tenant', 'org', 'result', 'details']];
  let worst = 0;
  for (const id of ids) {
    deps.io.out(`\n── tenant ${id} ${'─'.repeat(Math.max(3, 60 - id.length))}\n`);
    let result: Result & { orgUrl?: string };
    try {
      result = await runForTenant(command, { ...values, 'all-tenants': false, tenant: id }, deps, id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.io.err(`stopped: ${message}\n`);
      result = { code: 1, summary: message.split('\n')[0] ?? message };
    }
    worst = Math.max(worst, result.code);
    rows.push([id, result.orgUrl ?? '-', result.code === 0 ? 'ok' : 'FAILED', result.summary]);
  }
  const failed = rows.slice(1).filter((r) => r[2] !== 'ok').length;
  deps.io.out(
    `\n${command} --all-tenants: ${ids.length - failed} of ${ids.length} tenant(s) ok\n${table(rows)}\n`,
  );
  return worst === 0 ? 0 : 1;
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function setup(org: OktaOrg, settings: Settings, deps: CommandDeps): Promise<Result> {
  const ctx = newContext(org, settings, settings.dryRun ? 'plan' : 'apply');
  try {
    await runGuide(ctx);
  } finally {
    if (ctx.reports.length > 0) deps.io.out(`${formatReports(ctx.reports)}\n`);
    if (ctx.generated.length > 0) deps.io.out(deps.tenants.describeGenerated(settings.tenant, ctx.generated));
  }
  const changed = ctx.reports.filter((r) => r.outcome === 'created' || r.outcome === 'updated').length;
  const planned = ctx.reports.filter((r) => r.outcome === 'would create' || r.outcome === 'would update');
  const conflicts = ctx.reports.filter((r) => r.outcome === 'conflict');
  deps.io.out(
    settings.dryRun
      ? 'dry run: nothing was changed.\n'
      : changed === 0
        ? 'nothing to change: the org already matches the guide.\n'
        : `${changed} step${changed === 1 ? '' : 's'} changed.${settings.user ? ` Next: sign in as ${settings.user}, enroll a phone, enter the code.` : ''}\n`,
  );
  const summary = settings.dryRun
    ? `dry run: ${planned.length} step(s) would change`
    : changed === 0
      ? 'already right'
      : `${changed} step(s) changed`;
  return {
    code: conflicts.length > 0 ? 1 : 0,
    summary:
      conflicts.length > 0 ? `${summary}; conflict: ${conflicts.map((c) => c.step).join(', ')}` : summary,
  };
}

async function status(org: OktaOrg, settings: Settings, io: CommandIo): Promise<Result> {
  const ctx = newContext(org, settings, 'check');
  await runGuide(ctx);
  io.out(`${formatReports(ctx.reports)}\n`);
  const drift = ctx.reports.filter(isDrift);
  io.out(
    drift.length === 0
      ? 'no drift: the org matches what setup makes.\n'
      : `drift: ${drift.length} finding${drift.length === 1 ? '' : 's'} (run setup to fix what it owns).\n`,
  );
  return {
    code: drift.length === 0 ? 0 : 1,
    summary:
      drift.length === 0 ? 'no drift' : `drift: ${drift.map((d) => `${d.step}: ${d.outcome}`).join('; ')}`,
  };
}

async function teardown(org: OktaOrg, settings: Settings, io: CommandIo): Promise<Result> {
  const plan: { what: string; run: () => Promise<void> }[] = [];
  const kept: string[] = [
    'the phone authenticator (org-wide: other policies may use it)',
    'users (remove a test user by hand if it was only for the guide)',
  ];
  const accessPolicies = await org.policies('ACCESS_POLICY');
  for (const policy of accessPolicies) {
    const rule = (await org.rules(policy.id)).find((r) => r.name === NAMES.accessRule);
    if (rule)
      plan.push({
        what: `authentication rule "${rule.name}" in "${policy.name}"`,
        run: () => org.deleteRule(policy.id, rule.id),
      });
  }
  const enrollment = (await org.policies('MFA_ENROLL')).find((p) => p.name === NAMES.enrollmentPolicy);
  const groupId = enrollment?.conditions?.people?.groups?.include?.[0];
  if (enrollment)
    plan.push({
      what: `enrollment policy "${enrollment.name}" and its rule`,
      run: () => org.deletePolicy(enrollment.id),
    });
  const group = settings.group
    ? await org.groupByName(settings.group)
    : groupId
      ? await org.group(groupId)
      : await org.groupByName(NAMES.group);
  if (group?.profile.description === MANAGED_DESCRIPTION) {
    plan.push({ what: `group "${group.profile.name}"`, run: () => org.deleteGroup(group.id) });
  } else if (group) {
    kept.push(`group "${group.profile.name}" (not created by setup)`);
  }
  const hook = (await org.telephonyHooks()).find((h) => h.name === NAMES.hook);
  if (hook) {
    plan.push({
      what: `telephony inline hook "${hook.name}" (${hook.channel.uri})`,
      run: async () => {
        if (hook.status === 'ACTIVE') await org.deactivateHook(hook.id);
        await org.deleteHook(hook.id);
      },
    });
  }
  const key = (await org.hookKeys()).find((k) => k.name === NAMES.hookKey);
  if (key) plan.push({ what: `hook key "${key.name}"`, run: () => org.deleteHookKey(key.id) });
  if (settings.zone)
    kept.push(
      `network zone "${settings.zone}" (zones are shared; delete it by hand if only the guide used it)`,
    );

  if (plan.length === 0) {
    io.out('nothing to remove: no object setup makes was found.\n');
    return { code: 0, summary: 'nothing to remove' };
  }
  io.out(
    `teardown removes:\n${plan.map((p) => `  - ${p.what}`).join('\n')}\nand keeps:\n${kept.map((k) => `  - ${k}`).join('\n')}\n`,
  );
  if (!settings.yes) {
    if (!io.confirm) {
      io.err('teardown changes the org: pass --yes to confirm (no terminal to ask on).\n');
      return { code: 1, summary: 'not confirmed (pass --yes)' };
    }
    if (!(await io.confirm('Remove these from the org? Type "yes": '))) {
      io.out('nothing removed.\n');
      return { code: 1, summary: 'not confirmed' };
    }
  }
  for (const step of plan) {
    await step.run();
    io.out(`- removed   ${step.what}\n`);
  }
  return { code: 0, summary: `removed ${plan.length} object(s)` };
}

async function verify(org: OktaOrg, settings: Settings, deps: CommandDeps): Promise<Result> {
  const { io } = deps;
  const hook = (await org.telephonyHooks()).find((h) => h.name === NAMES.hook);
  if (!hook) {
    io.err(`no telephony inline hook "${NAMES.hook}" in this org: run setup first.\n`);
    return { code: 1, summary: 'no hook: run setup first' };
  }
  if (hook.status !== 'ACTIVE')
    io.err(`note: the hook is ${hook.status}; Okta would not call it at sign-in.\n`);
  const user = settings.user ? await org.user(settings.user) : undefined;
  const phone = settings.phone ?? user?.profile.mobilePhone ?? '+14155550123';
  const request = oktaHookRequest({
    phoneNumber: phone,
    deliveryChannel: settings.channel === 'voice' ? 'voice call' : 'SMS',
    requestType: 'com.okta.user.telephony.mfa-verification',
    login: user?.profile.login ?? settings.user ?? 'byot-okta.verify@example.com',
  });
  request.source = `${org.orgUrl}/api/v1/inlineHooks/${hook.id}`;
  if (user) {
    request.data.userProfile = {
      firstName: user.profile.firstName,
      lastName: user.profile.lastName,
      login: user.profile.login,
      userId: user.id,
    };
  }
  io.out(
    `POST ${org.orgUrl}/api/v1/inlineHooks/${hook.id}/execute  eventId=${request.eventId}  (${settings.channel}, ${maskPhoneNumber(phone)})\n`,
  );
  const started = performance.now();
  let reading: OktaReading;
  try {
    const answer = await org.executeHook(hook.id, request);
    reading = readOktaAnswer(200, answer);
    io.out(
      `Okta got in ${Math.round(performance.now() - started)} ms:\n${JSON.stringify(answer, null, 2)}\n`,
    );
  } catch (error) {
    io.out(`${describeError(error)}\n`);
    reading = { kind: 'fallback', reason: 'http-status', detail: 'execute failed' };
  }
  const would = describeOktaReading(reading);
  io.out(`Okta would: ${would}\n`);
  if (reading.kind === 'fallback') return { code: 1, summary: `Okta would: ${would}` };
  const settled = await ledger(settings, hook.channel.uri, request.eventId, deps);
  return { code: settled.ok ? 0 : 1, summary: `${reading.kind}; ledger: ${settled.summary}` };
}

/** byot's ledger entry for the eventId (GET /v1/deliveries/:eventId), once it has settled or the wait is over. */
async function ledger(
  settings: Settings,
  hookUri: string,
  eventId: string,
  deps: CommandDeps,
): Promise<{ ok: boolean; summary: string }> {
  const { io } = deps;
  if (!settings.adminToken) {
    io.out("byot's ledger: set ADMIN_TOKEN (byot's admin token) to see what became of the code.\n");
    return { ok: true, summary: 'not read (no ADMIN_TOKEN)' };
  }
  const base = settings.byotUrl ?? new URL(hookUri).origin;
  // GET /v1/deliveries/{tenant}/{eventId} for a tenant of the tenants file; today's path for `default`.
  const scope = settings.tenant === DEFAULT_TENANT ? '' : `${encodeURIComponent(settings.tenant)}/`;
  const url = `${base}/v1/deliveries/${scope}${encodeURIComponent(eventId)}`;
  const deadline = Date.now() + (deps.ledgerWaitMs ?? 15_000);
  let last: { status: number; body: LedgerView | undefined } | undefined;
  for (;;) {
    try {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${settings.adminToken}` },
        signal: AbortSignal.timeout(5_000),
      });
      last = {
        status: response.status,
        body: response.status === 200 ? ((await response.json()) as LedgerView) : undefined,
      };
      if (response.status === 401 || response.status === 403) break;
      if (last.body && last.body.delivery !== 'pending') break;
    } catch (error) {
      last = { status: 0, body: undefined };
      io.err(`byot's ledger unreachable at ${base}: ${describeError(error)}\n`);
      break;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!last?.body) {
    io.out(
      `byot's ledger: HTTP ${last?.status ?? '-'} for ${eventId}${last?.status === 401 ? ' (ADMIN_TOKEN refused)' : ''}\n`,
    );
    return { ok: false, summary: `HTTP ${last?.status ?? '-'}` };
  }
  const view = last.body;
  const attempts = view.attempts
    .map((a) => `${a.provider} ${a.result ?? ''}${a.status ? ` (${a.status})` : ''}`)
    .join(', ');
  io.out(
    `byot's ledger: ${view.delivery}${view.delivered ? ` by ${view.delivered.provider}${view.delivered.latencyMs !== undefined ? ` ${view.delivered.latencyMs} ms after Okta's call` : ''}` : ''}; ${view.channel} to ${view.phoneMasked}; attempts: ${attempts || 'none'}\n`,
  );
  return {
    ok: view.delivery === 'delivered' || view.delivery === 'pending',
    summary: `${view.delivery}${view.delivered ? ` by ${view.delivered.provider}` : ''}`,
  };
}

interface LedgerView {
  delivery: string;
  channel: string;
  phoneMasked: string;
  attempts: { provider: string; result?: string; status?: string }[];
  delivered?: { provider: string; latencyMs?: number };
}

function newContext(org: OktaOrg, settings: Settings, mode: RunContext['mode']): RunContext {
  return { org, settings, mode, reports: [] as StepReport[], generated: [], found: {} };
}

/** Asks on the terminal (teardown's confirmation). */
export function terminalConfirm(): CommandIo['confirm'] {
  if (!process.stdin.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return (await rl.question(question)).trim().toLowerCase() === 'yes';
    } finally {
      rl.close();
    }
  };
}
