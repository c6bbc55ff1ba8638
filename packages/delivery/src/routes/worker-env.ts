/**
 * A channel worker's account variables under tenancy (issue 13). With TENANTS_FILE every tenant's accounts and
 * senders come from the file (validated there, tenant by tenant), so the environment's Twilio account is
 * optional; without it the environment describes the one tenant `default` and must hold its account, as before.
 */
interface IssueSink {
  addIssue(issue: { code: 'custom'; path: string[]; message: string }): void;
}

/** Runs a worker schema's single-org checks (in its superRefine) only when there is no tenants file. */
export function unlessTenantsFile<C extends { TENANTS_FILE?: string | undefined }, X extends IssueSink>(
  cfg: C,
  ctx: X,
  ...checks: Array<(cfg: C, ctx: X) => void>
): void {
  if (cfg.TENANTS_FILE) return;
  for (const check of checks) check(cfg, ctx);
}

/** TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, required of the environment's tenant. */
export function requireTwilioAccount(
  cfg: { TWILIO_ACCOUNT_SID?: string | undefined; TWILIO_AUTH_TOKEN?: string | undefined },
  ctx: IssueSink,
): void {
  for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'] as const) {
    if (!cfg[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required (or set TENANTS_FILE)' });
  }
}
