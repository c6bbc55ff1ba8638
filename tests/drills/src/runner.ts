/** Runs one drill against a running system: load, fault, recovery, drain, then judges from ground truth. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningSystem } from '@byot/testkit';
import { prepareBurst } from './burst-worker.ts';
import { type FraudMetrics, fraudMetrics } from './fraud.ts';
import { LoadGenerator, type LoadTarget, type PhoneBook } from './load.ts';
import {
  answerKind,
  computeMetrics,
  OKTA_WINDOW_MS,
  outstanding,
  primaryBackForAll,
  reachedPerson,
} from './metrics.ts';
import type { DrillResult } from './report.ts';
import type { Mode, Scenario, Timing } from './scenarios.ts';
import { judgeContext, judgeTenants } from './tenants.ts';
import { evaluate, type Thresholds } from './thresholds.ts';
import { ledgerVerdict, providerDeliveries } from './truth.ts';
import type { HookRecord, LedgerVerdict, ProviderDelivery, Timeline } from './types.ts';

export interface RunOptions {
  mode: Mode;
  rate: number;
  voiceEvery: number;
  phones: PhoneBook;
  signal: AbortSignal;
  log: (line: string) => void;
}

export const DEFAULT_EXPIRES_IN_MS = 5 * 60_000;
/** The provider that carries traffic when all is well. */
const PRIMARY = 'twilio';
/** How often the recovery phase and the drain look at what the providers took. */
const POLL_MS = 500;
/** At most this many ledger lookups per drill (only for accepted codes that never arrived). */
const MAX_LEDGER_LOOKUPS = 300;

export async function runDrill(
  system: RunningSystem,
  scenario: Scenario,
  options: RunOptions,
): Promise<DrillResult> {
  const { mode, signal, log } = options;
  const timing = scenario.timing(mode);
  const thresholds = scenario.thresholds(mode);
  const notes: string[] = [];
  await settle(system, notes, signal);

  const fraud = scenario.fraud;
  const expiresInMs = scenario.expiresInMs ?? DEFAULT_EXPIRES_IN_MS;
  // With tenants, the traffic is split over them (or the scenario's choice), each on its own path and secret.
  const targets = tenantTargets(system);
  const { load, loadTargets, attack, attackTargets } = generators(system, scenario, options, targets);
  const burstTarget = scenario.burst
    ? targets.find((t) => t.id === scenario.burst?.tenant(system))
    : undefined;
  let burst: BurstRun | undefined;
  // The burst's thread starts now, before the baseline, so its start-up costs the baseline's idle cores, not the
  // quiet tenant's codes beside the burst.
  const prepared =
    burstTarget && scenario.burst
      ? await prepareBurstRun(burstTarget, scenario.burst.count(mode), scenario.burst.concurrency, {
          ...options,
          expiresInMs,
        })
      : undefined;
  const startedAt = Date.now();
  const timeline: Timeline = { startedAt, faultAt: startedAt, clearAt: startedAt, loadEndAt: 0, judgedAt: 0 };
  let faultOn = false;
  try {
    const rate = scenario.load?.rate ?? options.rate;
    const over = loadTargets.length > 0 ? ` over ${loadTargets.map((t) => t.id).join(', ')}` : '';
    log(`${scenario.name}: baseline ${timing.baselineMs / 1000} s at ${rate} hooks/s${over}`);
    load.start();
    await sleep(timing.baselineMs, undefined, { signal });

    load.phase = 'fault';
    timeline.faultAt = Date.now();
    log(`${scenario.name}: fault on`);
    faultOn = true;
    await step('inject the fault', () => scenario.inject(system), notes);
    if (attack) {
      attack.phase = 'fault';
      attack.start();
    }
    if (burstTarget && prepared) {
      log(`${scenario.name}: ${burstTarget.id} sends ${prepared.count} codes at once`);
      burst = prepared.go();
    }
    await sleep(Math.max(0, timeline.faultAt + timing.faultMs - Date.now()), undefined, { signal });
    // The fault lasts at least until the burst is all sent.
    await burst?.done;

    log(`${scenario.name}: fault off`);
    await attack?.stop();
    await step('lift the fault', () => scenario.clear(system), notes);
    faultOn = false;
    timeline.clearAt = Date.now();
    load.phase = 'recovery';
    const tenants = loadTargets.length > 0 ? loadTargets.map((t) => t.id) : [undefined];
    await recover(system, load.hooks, tenants, { timeline, timing, signal });
  } finally {
    if (!burst) prepared?.cancel();
    await Promise.all([load.stop(), attack?.stop()]);
    timeline.loadEndAt = Date.now();
    // Interrupted mid-fault: leave the system as found for whoever looks at it next.
    if (faultOn) await step('lift the fault', () => scenario.clear(system), notes);
  }

  const attackHooks = attack?.hooks ?? [];
  // The burst's codes are people's codes as much as the steady load's: judged with them.
  const hooks = [...load.hooks, ...(burst?.hooks ?? [])];
  log(
    `${scenario.name}: ${hooks.length} hooks sent${attack ? ` and ${attackHooks.length} attack hooks` : ''}; draining`,
  );
  const deliveries = await drain(system, [...hooks, ...attackHooks], { timeline, timing, notes, signal });
  timeline.judgedAt = Date.now();

  const ledger = await consultLedger(system, hooks, deliveries);
  const judging = { hooks, deliveries, ledger, timeline, primary: PRIMARY, reroute: scenario.reroute };
  const metrics = computeMetrics(judging);
  notes.push(...metricNotes(metrics));
  if (burst?.sentMs !== undefined) notes.push(burstNote(burst.hooks, deliveries, burst.sentMs));
  if (scenario.diagnose)
    notes.push(...(await scenario.diagnose(system, hooks).catch((e) => [`diagnosis failed: ${e}`])));
  const fraudFigures = fraud ? fraudMetrics(hooks, attackHooks, deliveries, OKTA_WINDOW_MS) : undefined;
  if (fraudFigures) notes.push(...fraudNotes(fraudFigures, hooks.length));
  const context = judgeContext(
    judging,
    targets.map((t) => t.id),
  );
  const checks = [
    ...evaluate(metrics, thresholds, fraudFigures),
    ...(scenario.extraChecks?.(context, system, mode) ?? []),
  ];
  const tenants = judgeTenants(
    context,
    (id) =>
      tenantThresholds(scenario.tenantThresholds?.(mode, id, system) ?? thresholds, fraud, id, attackTargets),
    fraud ? (id) => tenantFraud(id, hooks, attackHooks, deliveries) : undefined,
  ).filter((t) => t.metrics.hooks > 0);
  const stepFailed = notes.some((n) => n.startsWith('step failed'));
  return {
    name: scenario.name,
    number: scenario.number,
    title: scenario.title,
    what: scenario.what,
    timing,
    timeline,
    thresholds,
    metrics,
    checks,
    pass: !stepFailed && checks.every((c) => c.pass) && tenants.every((t) => t.pass),
    notes,
    ...(fraudFigures ? { fraud: fraudFigures } : {}),
    ...(tenants.length > 0 ? { tenants } : {}),
  };
}

/**
 * The steady load (split over the scenario's tenants) and, in a fraud drill, the attacker: its own stream of hooks
 * (SMS only), on while the fault is. A bot pumps one customer's org (its sign-up flow), not the whole deployment:
 * the first tenant; the other tenant's people must not notice (fraud counters and holds are per tenant).
 */
function generators(system: RunningSystem, scenario: Scenario, options: RunOptions, targets: LoadTarget[]) {
  const fraud = scenario.fraud;
  const offset = Math.floor(Math.random() * 100_000);
  const expiresInMs = scenario.expiresInMs ?? DEFAULT_EXPIRES_IN_MS;
  const loadTenants = scenario.load?.tenants?.(system);
  const loadTargets = loadTenants ? targets.filter((t) => loadTenants.includes(t.id)) : targets;
  const load = new LoadGenerator(system, {
    rate: scenario.load?.rate ?? options.rate,
    voiceEvery: scenario.load?.voiceEvery ?? options.voiceEvery,
    expiresInMs,
    phones: options.phones,
    targets: loadTargets,
    ...(fraud ? { people: (i: number) => fraud.legit(i, offset) } : {}),
  });
  const attackTargets = targets.slice(0, 1);
  const attack = fraud
    ? new LoadGenerator(system, {
        rate: options.rate * fraud.attackRateFactor,
        voiceEvery: Number.MAX_SAFE_INTEGER,
        expiresInMs,
        phones: options.phones,
        targets: attackTargets,
        people: (i: number) => fraud.attack(i, offset),
      })
    : undefined;
  return { load, loadTargets, attack, attackTargets };
}

/** A burst in flight (noisy-neighbour): its hooks once all are answered, and how long sending them took. */
interface BurstRun {
  done: Promise<void>;
  hooks: HookRecord[];
  sentMs?: number;
}

async function prepareBurstRun(
  target: LoadTarget,
  count: number,
  concurrency: number,
  options: Pick<RunOptions, 'phones' | 'signal'> & { expiresInMs: number },
): Promise<{ count: number; go: () => BurstRun; cancel: () => void }> {
  const phones = Array.from({ length: count }, () => options.phones.next());
  const thread = await prepareBurst(
    { target, phones, concurrency, expiresInMs: options.expiresInMs },
    options.signal,
  );
  return {
    count,
    cancel: thread.cancel,
    go: () => {
      const started = Date.now();
      const run: BurstRun = { done: Promise.resolve(), hooks: [] };
      run.done = thread.go().then((sent) => {
        run.hooks = sent;
        run.sentMs = Date.now() - started;
      });
      return run;
    },
  };
}

/**
 * The recovery phase, the load still on: `timing.recoveryMs`, or with `timing.minRecoveryMs` from then until every
 * tenant's codes sent since the fault was lifted are delivered by the primary again (at most recoveryMs). What
 * is judged afterwards is the same either way; only the wait ends when its condition is met.
 */
async function recover(
  system: RunningSystem,
  hooks: readonly HookRecord[],
  tenants: readonly (string | undefined)[],
  at: { timeline: Timeline; timing: Timing; signal: AbortSignal },
): Promise<void> {
  const { timeline, timing, signal } = at;
  const end = timeline.clearAt + timing.recoveryMs;
  if (timing.minRecoveryMs === undefined) {
    await sleep(Math.max(0, end - Date.now()), undefined, { signal });
    return;
  }
  await sleep(Math.max(0, timeline.clearAt + timing.minRecoveryMs - Date.now()), undefined, { signal });
  while (Date.now() < end) {
    const deliveries = await providerDeliveries(system, timeline.clearAt);
    if (primaryBackForAll(hooks, deliveries, timeline.clearAt, PRIMARY, tenants)) return;
    await sleep(Math.max(0, Math.min(POLL_MS, end - Date.now())), undefined, { signal });
  }
}

/** Waits until every code (and receipt) is settled, or the drain deadline passes; returns what providers took. */
async function drain(
  system: RunningSystem,
  hooks: readonly HookRecord[],
  at: { timeline: Timeline; timing: Timing; notes: string[]; signal: AbortSignal },
): Promise<ProviderDelivery[]> {
  const { timeline, timing, notes, signal } = at;
  for (;;) {
    signal.throwIfAborted();
    const deliveries = await providerDeliveries(system, timeline.startedAt);
    // Attack codes that got through are waited for too: they count against the attack's blocked share.
    const waiting = outstanding(hooks, deliveries);
    const now = Date.now();
    const earliest = Math.max(
      timeline.loadEndAt + timing.minDrainMs,
      timeline.faultAt + (timing.minJudgeAfterFaultMs ?? 0),
    );
    if (waiting === 0 && now >= earliest) return deliveries;
    if (now >= timeline.loadEndAt + timing.maxDrainMs) {
      notes.push(
        `drain: ${waiting} codes or receipts still outstanding after ${timing.maxDrainMs / 1000} s; judged as they stood`,
      );
      return deliveries;
    }
    await sleep(POLL_MS, undefined, { signal });
  }
}

/** What the figures cannot say by themselves: an unavailable ledger, the lost ids, the first duplicates. */
function metricNotes(metrics: ReturnType<typeof computeMetrics>): string[] {
  const notes: string[] = [];
  if (metrics.ledger === 'unavailable' || metrics.ledger === 'partial') {
    notes.push(
      `the delivery ledger (GET /v1/deliveries/:eventId) did not answer for ${metrics.ledger === 'partial' ? 'some' : 'any'} ` +
        'undelivered code: those are counted as lost (their state is unknown)',
    );
  }
  if (metrics.lostEventIds.length > 0) {
    notes.push(`lost eventIds (first 5): ${metrics.lostEventIds.slice(0, 5).join(', ')}`);
  }
  for (const dup of metrics.duplicateDetails.slice(0, 3)) {
    notes.push(
      `duplicate: ${dup.eventId} (${dup.channel}, answered ${dup.answer}): ${dup.providers.join(' → ')}, ` +
        `${dup.gapsMs.map((g) => `${g} ms`).join(', ')} apart`,
    );
  }
  return notes;
}

function fraudNotes(figures: FraudMetrics, legitimate: number): string[] {
  const rules = (by: Record<string, number>) =>
    Object.entries(by)
      .sort((a, b) => b[1] - a[1])
      .map(([rule, n]) => `${rule} ${n}`)
      .join(', ') || 'nothing';
  return [
    `attack: ${figures.attackSent} hooks, ${figures.attackReachedProvider} reached a provider ` +
      `(${figures.attackBlockedPct} % kept away); refused by: ${rules(figures.attackRefusedBy)}` +
      (figures.firstHoldMs === undefined
        ? ''
        : `; first hold ${figures.firstHoldMs} ms after the attack began`),
    `legitimate: ${legitimate} hooks, ${figures.legitRefused} refused (${rules(figures.legitRefusedBy)}); ` +
      `new people enrolling into ${figures.legitEnrollAttacked.country ?? 'the attacked country'} once the attack ` +
      `began: ${figures.legitEnrollAttacked.sent}, ${figures.legitEnrollAttacked.refused} refused`,
  ];
}

/** One tenant's share of a fraud drill: its people, the attack on it (if any). */
function tenantFraud(
  tenant: string,
  hooks: readonly HookRecord[],
  attackHooks: readonly HookRecord[],
  deliveries: readonly ProviderDelivery[],
): FraudMetrics {
  return fraudMetrics(
    hooks.filter((h) => h.tenant === tenant),
    attackHooks.filter((h) => h.tenant === tenant),
    deliveries,
    OKTA_WINDOW_MS,
  );
}

/** How fast the burst went in and drained: what its neighbour's figures were measured against. */
function burstNote(
  hooks: readonly HookRecord[],
  deliveries: readonly ProviderDelivery[],
  sentMs: number,
): string {
  const phones = new Set(hooks.map((h) => h.phone.replace(/\D/g, '')));
  const first = Math.min(...hooks.map((h) => h.sentAt));
  const last = Math.max(
    0,
    ...deliveries.filter((d) => phones.has(d.to.replace(/\D/g, ''))).map((d) => d.receivedAt - first),
  );
  const answered = hooks.filter((h) => h.latencyMs !== undefined).map((h) => h.latencyMs as number);
  const p50 = answered.sort((a, b) => a - b)[Math.floor(answered.length / 2)] ?? 0;
  return (
    `burst: ${hooks.length} hooks sent in ${(sentMs / 1000).toFixed(1)} s ` +
    `(${Math.round(hooks.length / (sentMs / 1000))} hooks/s, answers p50 ${Math.round(p50)} ms); ` +
    `its last code reached a provider ${(last / 1000).toFixed(1)} s after the first hook`
  );
}

/**
 * In a fraud drill, the tenant the bot did not attack has no attack to judge, and since holds and limits are per
 * tenant, none of its people may be refused: not even a hold's collateral.
 */
function tenantThresholds(
  thresholds: Thresholds,
  fraud: Scenario['fraud'],
  tenant: string,
  attacked: readonly LoadTarget[],
): Thresholds {
  if (!fraud || attacked.some((t) => t.id === tenant)) return thresholds;
  const { minAttackBlockedPct: _blocked, requireHold: _hold, ...rest } = thresholds;
  return { ...rest, maxFailed: 0 };
}

/** The system's demo tenants as their Okta orgs reach it; none on a single-org system. */
function tenantTargets(system: RunningSystem): LoadTarget[] {
  return system.tenants.map((t) => ({ id: t.id, endpoints: t.endpoints, source: t.source }));
}

async function step(what: string, action: () => Promise<void>, notes: string[]): Promise<void> {
  try {
    await action();
  } catch (error) {
    // The first line says what failed; a process' last output lines (redacted logs) say why.
    const lines = (error instanceof Error ? error.message : String(error))
      .split('\n')
      .filter((l) => l.trim() !== '');
    const why = lines.length > 1 ? ` — last output: ${lines.slice(-5).join(' | ')}` : '';
    notes.push(`step failed: ${what}: ${lines[0] ?? 'unknown error'}${why}`);
  }
}

/**
 * Before a drill: faults and receipt mixes back to normal, every process up and ready. A drill never starts on
 * the wreckage of the one before.
 */
async function settle(system: RunningSystem, notes: string[], signal: AbortSignal): Promise<void> {
  await step('lift fraud holds', () => liftHolds(system), notes);
  for (const provider of ['twilio', 'vonage']) await system.setSimFaults(null, provider);
  await system.setSimCallbacks('twilio', null);
  if (!system.redis.running) await step('restart redis', () => system.redis.restart(), notes);
  for (const service of system.all()) {
    if (!service.running) await step(`restart ${service.name}`, () => service.start(), notes);
  }
  const deadline = Date.now() + 30_000;
  for (const { name, url } of system.healthUrls()) {
    for (;;) {
      signal.throwIfAborted();
      const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) {
        notes.push(`step failed: ${name} not ready before the drill`);
        break;
      }
      await sleep(250, undefined, { signal });
    }
  }
}

/** The ledger's verdict for every accepted code that never reached the person (bounded). */
async function consultLedger(
  system: RunningSystem,
  hooks: readonly HookRecord[],
  deliveries: readonly ProviderDelivery[],
): Promise<Map<string, LedgerVerdict>> {
  const reached = new Set(deliveries.filter(reachedPerson).map((d) => d.to.replace(/\D/g, '')));
  const candidates = hooks
    .filter((h) => {
      const kind = answerKind(h);
      return (kind === 'SUCCESSFUL' || kind === 'PENDING') && !reached.has(h.phone.replace(/\D/g, ''));
    })
    .slice(0, MAX_LEDGER_LOOKUPS);
  const verdicts = new Map<string, LedgerVerdict>();
  for (const hook of candidates)
    verdicts.set(hook.eventId, await ledgerVerdict(system, hook.eventId, hook.tenant));
  return verdicts;
}

/** Lifts every anomaly hold left by an earlier drill, as an operator would (GET /v1/blocks, DELETE each). */
async function liftHolds(system: RunningSystem): Promise<void> {
  if (!system.ingress.running) return;
  const headers = { authorization: `Bearer ${system.adminToken}` };
  const response = await fetch(`${system.ingressUrl}/v1/blocks`, {
    headers,
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`GET /v1/blocks answered ${response.status}`);
  const { blocks } = (await response.json()) as { blocks: { id: string; kind: string }[] };
  for (const block of blocks.filter((b) => b.kind === 'hold')) {
    await fetch(`${system.ingressUrl}/v1/blocks/${encodeURIComponent(block.id)}`, {
      method: 'DELETE',
      headers,
      signal: AbortSignal.timeout(5_000),
    });
  }
}
