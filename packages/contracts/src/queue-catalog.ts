import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Channel } from './channel.ts';
import { sendJobSchema } from './jobs.ts';
import { PROVIDER_ID_PATTERN, type StatusEvent, statusEventSchema } from './status.ts';

/**
 * Every queue byot has, in one place (the model: Trigger.dev's WorkerCatalog): its name, its jobs (name and
 * payload schema), the options its jobs are added with, the options of the workers that consume it, and how its
 * job ids are made. Producers (`enqueue`) and consumers (`startWorker`) in @byot/redis both read it, so the two
 * sides cannot disagree. Plain data: no BullMQ here.
 *
 * Queue names hold no ':' (BullMQ keys are `<prefix>:<queue>:<id>`), so a cluster hash-tag prefix such as `{byot}`
 * keeps every key of a queue on one slot.
 */
export interface QueueEntry<Jobs extends Record<string, CatalogJob> = Record<string, CatalogJob>> {
  readonly name: string;
  readonly jobs: Jobs;
  readonly jobOptions: CatalogJobOptions;
  /** The consumers' settings; send workers derive theirs from the provider client timeout. */
  worker(runtime: { providerTimeoutMs: number }): WorkerSettings;
}

export interface CatalogJob {
  readonly schema: z.ZodType;
  /** The BullMQ job name: fixed, or made from the payload (status events are named `<provider>.<channel>`). */
  // `never`: any payload type fits the constraint; jobNameOf calls it with the job's own payload.
  readonly name: string | ((payload: never) => string);
}

/** The BullMQ name of a job of this kind carrying this payload. */
export function jobNameOf<J extends CatalogJob>(job: J, payload: z.infer<J['schema']>): string {
  return typeof job.name === 'string' ? job.name : (job.name as (payload: unknown) => string)(payload);
}

/** What BullMQ's defaultJobOptions take, as plain data. */
export interface CatalogJobOptions {
  readonly attempts: number;
  readonly backoff?: { readonly type: 'exponential'; readonly delay: number };
  readonly removeOnComplete: boolean;
  readonly removeOnFail: boolean;
}

export interface WorkerSettings {
  /** How long a job's lock lasts without renewal (renewed every half of it while its worker lives). */
  readonly lockDurationMs: number;
  /** How often workers look for jobs whose lock lapsed (their worker died) and hand them out again. */
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
}

export interface SendWorkerSettings extends WorkerSettings {
  /**
   * How long a delivery attempt in progress is trusted to be alive (the delivery record's 'busy' answer): longer
   * than one provider call, shorter than the lock (see sendWorkerSettings).
   */
  readonly attemptStaleAfterMs: number;
}

const SEND_LOCK_FLOOR_MS = 15_000;
/** What a provider call may take beyond its client timeout (connection set-up, our own bookkeeping). */
const PROVIDER_CALL_MARGIN_MS = 5_000;

/**
 * A send worker's settings for a provider client timeout. The staleness bound is derived from the lock, and the
 * lock from the timeout, so that timeout < attemptStaleAfterMs < lockDurationMs whatever PROVIDER_TIMEOUT_MS is:
 * - a provider call in flight never looks dead (its attempt is younger than the bound), so a job handed out
 *   twice at once (a lapsed lock) waits instead of sending again;
 * - a job handed out again because its worker died (only once its lock lapsed) finds the attempt stale and is
 *   resumed at once, not made to wait a second time.
 * With the default 5 s timeout: a 15 s lock and a 10 s bound (a dead worker's jobs return within ~20 s).
 */
export function sendWorkerSettings(providerTimeoutMs: number): SendWorkerSettings {
  const lockDurationMs = Math.max(SEND_LOCK_FLOOR_MS, providerTimeoutMs + 2 * PROVIDER_CALL_MARGIN_MS);
  return {
    lockDurationMs,
    stalledIntervalMs: 5_000,
    maxStalledCount: 3,
    attemptStaleAfterMs: lockDurationMs - PROVIDER_CALL_MARGIN_MS,
  };
}

/**
 * A send queue: one job per delivery (`send`, the sealed SendJob). Jobs are removed as soon as they finish: the
 * delivery record (its own key, with a TTL tied to the OTP's expiry) is what remains, so no sealed payload lingers
 * in Redis. Retries are scheduled by the worker itself (bounded by the OTP's expiry), so BullMQ's own attempts
 * are not used.
 */
function sendQueue(name: string) {
  return {
    name,
    jobs: { send: { schema: sendJobSchema, name: 'send' } },
    jobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
    worker: ({ providerTimeoutMs }: { providerTimeoutMs: number }) => sendWorkerSettings(providerTimeoutMs),
  } as const satisfies QueueEntry;
}

/**
 * The "no receipt within N seconds" rule: when a provider accepts a code, the worker schedules this check on the
 * status queue; if the attempt has no final receipt by then, it is treated as undelivered.
 */
export const receiptDeadlineSchema = z
  .object({
    version: z.literal(1),
    kind: z.literal('receipt-deadline'),
    provider: z.string().min(1).max(32),
    providerMessageId: z.string().min(1).max(128),
  })
  .strict();
export type ReceiptDeadline = z.infer<typeof receiptDeadlineSchema>;

export const RECEIPT_DEADLINE_JOB = 'receipt-deadline';

export const QUEUE_CATALOG = {
  sms: sendQueue('sms-send'),
  voice: sendQueue('voice-send'),
  /**
   * Verified, normalised provider status callbacks (StatusEvent) and the workers' own receipt deadlines. They
   * carry no secret, so unlike send jobs BullMQ itself may retry them (a callback can arrive before our record of
   * the send it reports on); they are still removed once handled (the ledger keeps what matters).
   */
  status: {
    name: 'status-events',
    jobs: {
      receipt: {
        schema: statusEventSchema,
        name: (event: StatusEvent) => `${event.provider}.${event.channel}`,
      },
      deadline: { schema: receiptDeadlineSchema, name: RECEIPT_DEADLINE_JOB },
    },
    jobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: true,
      removeOnFail: true,
    },
    worker: () => ({ lockDurationMs: 15_000, stalledIntervalMs: 5_000, maxStalledCount: 3 }),
  },
} as const satisfies Record<string, QueueEntry>;

export type SendQueueEntry = (typeof QUEUE_CATALOG)[Channel];
export type StatusQueueEntry = (typeof QUEUE_CATALOG)['status'];

/** The queue names, by queue. */
export const QUEUES = {
  sms: QUEUE_CATALOG.sms.name,
  voice: QUEUE_CATALOG.voice.name,
  status: QUEUE_CATALOG.status.name,
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * Job ids of the send queues. One job id per way a delivery enters a queue, so each collapses duplicates of
 * itself (BullMQ ignores an add whose id exists) and never another: the first send of a hook (concurrent duplicates
 * of the hook become one job), its landline → voice escalation, and the resend after the n-th attempt's failure
 * receipt (a retried status job re-adds the same id). All share the delivery record, so the chain still sends at
 * most one code at a time.
 */
export const SEND_JOB_IDS = {
  firstSend: (eventId: string) => `evt-${eventId}`,
  voiceEscalation: (eventId: string) => `evt-${eventId}-voice`,
  receiptResend: (eventId: string, attemptIndex: number) => `evt-${eventId}-rr${attemptIndex}`,
} as const;

/** The first send's job id (SEND_JOB_IDS.firstSend). */
export function jobIdFor(eventId: string): string {
  return SEND_JOB_IDS.firstSend(eventId);
}

/**
 * Job id of a status event: exact duplicates (same provider resource, same raw status, same sequence) collapse
 * into one job while it lives. Fields are joined with '.', which no part may contain (BullMQ refuses ':' in custom
 * ids); a part with any other character than [A-Za-z0-9_-] is written as its SHA-256 prefix instead.
 */
export function statusJobIdFor(
  event: Pick<
    StatusEvent,
    'provider' | 'channel' | 'providerMessageId' | 'rawStatus' | 'sequence' | 'tenant'
  >,
): string {
  const safe = (s: string) =>
    PROVIDER_ID_PATTERN.test(s) ? s : `h${createHash('sha256').update(s).digest('hex').slice(0, 32)}`;
  // A tenant's events apart from another's (the `default` tenant's ids are today's).
  const tenant = event.tenant === undefined || event.tenant === 'default' ? [] : [event.tenant];
  const parts = [
    ...tenant,
    event.provider,
    event.channel,
    safe(event.providerMessageId),
    safe(event.rawStatus),
  ];
  if (event.sequence !== undefined) parts.push(String(event.sequence));
  return `st.${parts.join('.')}`;
}
