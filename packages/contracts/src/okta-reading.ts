import { OKTA_TELEPHONY_ACTION, type OktaActionStatus } from './okta-hook.ts';

/**
 * What Okta makes of a telephony hook's answer (reference: "What Okta does with each answer"). One reading,
 * shared by `npm run preview`, `byot-okta verify` and the Okta simulator, so that all three agree on when Okta
 * would send the code itself.
 */
export type OktaReading =
  | {
      /** Okta takes our word: no fallback. */
      kind: 'taken';
      status: OktaActionStatus;
      provider?: string;
      transactionId?: string;
    }
  | {
      /** Okta skips or fails the hook and sends the code through its own providers. */
      kind: 'fallback';
      reason: 'timeout' | 'http-status' | 'error-object' | 'malformed';
      /** What the admin sees in Okta's logs: the status, the errorSummary, the unrecognised shape. */
      detail: string;
    };

const STATUSES: readonly string[] = ['SUCCESSFUL', 'PENDING', 'FAILED'];

/** Reads a hook answer the way Okta does; `httpStatus` undefined means no answer within the window. */
export function readOktaAnswer(httpStatus: number | undefined, body: unknown): OktaReading {
  if (httpStatus === undefined)
    return { kind: 'fallback', reason: 'timeout', detail: 'no answer within 3 s' };
  if (httpStatus !== 200) return { kind: 'fallback', reason: 'http-status', detail: `HTTP ${httpStatus}` };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'fallback', reason: 'malformed', detail: 'the body is not a JSON object' };
  }
  const answer = body as { error?: unknown; commands?: unknown };
  if (answer.error !== undefined && answer.error !== null) {
    const summary = (answer.error as { errorSummary?: unknown }).errorSummary;
    return {
      kind: 'fallback',
      reason: 'error-object',
      detail:
        typeof summary === 'string' && summary !== '' ? summary : 'The callback service returned an error',
    };
  }
  if (!Array.isArray(answer.commands)) {
    return { kind: 'fallback', reason: 'malformed', detail: 'no commands array' };
  }
  const command = answer.commands.find(
    (c): c is { type: string; value: unknown } =>
      typeof c === 'object' && c !== null && (c as { type?: unknown }).type === OKTA_TELEPHONY_ACTION,
  );
  const action = Array.isArray(command?.value) ? (command.value[0] as Record<string, unknown>) : undefined;
  if (!action || typeof action.status !== 'string' || !STATUSES.includes(action.status)) {
    return {
      kind: 'fallback',
      reason: 'malformed',
      detail: `no ${OKTA_TELEPHONY_ACTION} with a known status`,
    };
  }
  return {
    kind: 'taken',
    status: action.status as OktaActionStatus,
    ...(typeof action.provider === 'string' ? { provider: action.provider } : {}),
    ...(typeof action.transactionId === 'string' ? { transactionId: action.transactionId } : {}),
  };
}

/** One line for people: what Okta would do next. */
export function describeOktaReading(reading: OktaReading): string {
  if (reading.kind === 'fallback') {
    switch (reading.reason) {
      case 'timeout':
        return 'skip the hook (no answer within 3 s) and send the code through its own providers';
      case 'http-status':
        return `skip the hook (${reading.detail}) and send the code through its own providers`;
      case 'error-object':
        return `fail the hook ("${reading.detail}") and fall back to its own providers`;
      default:
        return `skip the hook (unrecognised answer: ${reading.detail}) and use its own providers`;
    }
  }
  switch (reading.status) {
    case 'SUCCESSFUL':
      return `record delivery by ${reading.provider ?? 'the hook'} (${reading.transactionId ?? 'no transaction id'}); no fallback`;
    case 'PENDING':
      return `record the code as sent, pending confirmation (${reading.transactionId ?? 'no transaction id'}); no fallback`;
    default:
      return 'report that the code could not be delivered; no fallback';
  }
}
