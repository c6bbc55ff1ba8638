import type { AcceptedRecord } from '../store/records.ts';

/** One thing that happens to an accepted message, call or e-mail after it was accepted. */
export interface LifecycleStep {
  /** The provider's status from this step on (recorded in the store when the step happens). */
  status: string;
  /** The error code reported with the status (failing outcomes only). */
  errorCode?: number | string;
  /** Reported to the client's callback URL (false: the status changes silently). */
  notify: boolean;
  /** Twilio calls: the StatusCallbackEvent this step reports (initiated, ringing, answered, completed). */
  twilioEvent?: string;
  /** Position among the notifying steps, from 0 (Twilio's SequenceNumber). */
  sequence: number;
}

/** Default error codes for failing outcomes when the settings give none. */
const DEFAULT_ERROR_CODES: Readonly<Record<string, number | string>> = {
  'twilio.sms.undelivered': 30003,
  'twilio.sms.failed': 30008,
  'vonage.sms.failed': 1,
  'vonage.sms.rejected': 6,
  'vonage.sms.expired': 1,
  'sendgrid.email.bounce': '5.1.1',
  'sendgrid.email.dropped': 'Bounced Address',
};

type Draft = Omit<LifecycleStep, 'sequence'>;

/**
 * The steps of an accepted resource's life for a chosen outcome, in order. The rule for every provider:
 * intermediate reports come first (Twilio `sent`, Vonage `accepted`/`buffered`, call progress, SendGrid
 * `processed`), then the final one; `none` loses the final report.
 */
export function planLifecycle(
  record: AcceptedRecord,
  outcome: string,
  errorCode?: number | string,
): LifecycleStep[] {
  const key = `${record.provider}.${record.channel}`;
  const code = errorCode ?? DEFAULT_ERROR_CODES[`${key}.${outcome}`];
  const fail = (status: string): Draft => ({
    status,
    notify: true,
    ...(code === undefined ? {} : { errorCode: code }),
  });
  const step = (status: string, notify = true): Draft => ({ status, notify });
  let steps: Draft[];
  switch (key) {
    case 'twilio.sms':
      steps =
        outcome === 'failed'
          ? [fail('failed')]
          : outcome === 'none'
            ? [step('sent')]
            : [step('sent'), outcome === 'delivered' ? step('delivered') : fail('undelivered')];
      break;
    case 'twilio.voice':
      steps = twilioCall(record, outcome);
      break;
    case 'vonage.sms':
      steps =
        outcome === 'delivered'
          ? [step('accepted'), { status: 'delivered', notify: true, errorCode: 0 }]
          : outcome === 'expired'
            ? [step('buffered'), fail('expired')]
            : outcome === 'none'
              ? [step('accepted')]
              : [fail(outcome)];
      break;
    case 'vonage.voice':
      steps = vonageCall(outcome);
      break;
    case 'sendgrid.email':
      steps =
        outcome === 'dropped'
          ? [fail('dropped')]
          : [
              step('processed'),
              ...(outcome === 'none' ? [] : [outcome === 'bounce' ? fail('bounce') : step('delivered')]),
            ];
      break;
    default:
      steps = [];
  }
  let sequence = 0;
  return steps.map((s) => ({ ...s, sequence: s.notify ? sequence++ : sequence }));
}

/**
 * Twilio call progress: initiated → ringing → in-progress → completed, or busy / no-answer / failed. Only the
 * events the client asked for in StatusCallbackEvent are reported (default: completed, which carries the final
 * status whatever it is).
 */
function twilioCall(record: AcceptedRecord, outcome: string): Draft[] {
  const asked = new Set(record.statusCallbackEvents?.length ? record.statusCallbackEvents : ['completed']);
  const event = (status: string, twilioEvent: string, notify = true): Draft => ({
    status,
    twilioEvent,
    notify: notify && asked.has(twilioEvent),
  });
  switch (outcome) {
    case 'busy':
      return [event('initiated', 'initiated'), event('busy', 'completed')];
    case 'no-answer':
      return [event('initiated', 'initiated'), event('ringing', 'ringing'), event('no-answer', 'completed')];
    case 'failed':
      return [event('failed', 'completed')];
    default:
      return [
        event('initiated', 'initiated'),
        event('ringing', 'ringing'),
        event('in-progress', 'answered'),
        event('completed', 'completed', outcome !== 'none'),
      ];
  }
}

/** Vonage call events: started → ringing → answered → completed, or the failing statuses. */
function vonageCall(outcome: string): Draft[] {
  const s = (status: string, notify = true): Draft => ({ status, notify });
  switch (outcome) {
    case 'busy':
    case 'rejected':
    case 'failed':
      return [s('started'), s(outcome)];
    case 'timeout':
    case 'unanswered':
      return [s('started'), s('ringing'), s(outcome)];
    default:
      return [s('started'), s('ringing'), s('answered'), s('completed', outcome !== 'none')];
  }
}
