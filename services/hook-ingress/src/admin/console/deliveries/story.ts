import { type NormalisedStatus, receiptVerdict } from '@byot/contracts';
import type { LedgerView } from '@byot/delivery/records';
import { providerDisplayName } from '@byot/providers/registry';
import { duration } from '../layout.ts';
import type { DeliveryDetail } from './model.ts';

/**
 * A delivery told in plain words: one line on top of its page ("Delivered by Vonage 1.2 s after Okta asked,
 * after Twilio reported the handset unreachable") and a timeline — hook, Okta's answer, each attempt, each receipt,
 * each failover and why, the delivered time. Built from the ledger only: no code, no text, the number masked.
 */

/**
 * What a provider's error code means, in a few words ("the handset unreachable"), for a receipt's code or a
 * refused request's (the provider registry's describeProviderCode); undefined: unknown.
 */
export type CodeMeaning = (
  provider: string,
  code: string,
  source: 'receipt' | 'request',
) => string | undefined;

const PROVIDER = providerDisplayName;
const ROUTE = (id: string) => (id.startsWith('email:') ? `e-mail (${PROVIDER(id.slice(6))})` : PROVIDER(id));

const KIND: Record<string, string> = {
  unavailable: 'was unavailable',
  'rate-limited': 'throttled us',
  'destination-permanent': 'refused the number',
  'bad-request': 'refused the request',
};

type Attempt = LedgerView['attempts'][number];

function failureOf(attempt: Attempt, meaning: CodeMeaning): string {
  const code = attempt.errorCode;
  const said = code ? meaning(attempt.provider, code, 'request') : undefined;
  const what = KIND[attempt.errorKind ?? ''] ?? 'failed';
  return `${PROVIDER(attempt.provider)} ${what}${said ? ` (${said})` : code ? ` (${code})` : ''}`;
}

function receiptFailure(attempt: Attempt, meaning: CodeMeaning): string {
  const last = attempt.history?.filter((h) => h.applied).at(-1);
  const code = last?.code;
  const said = code ? meaning(attempt.provider, code, 'receipt') : undefined;
  if (attempt.verdict === 'no-receipt') return `${PROVIDER(attempt.provider)} never confirmed it`;
  const status = attempt.status === 'accepted' ? 'undelivered' : (attempt.status ?? 'undelivered');
  return `${PROVIDER(attempt.provider)} reported ${said ?? `it ${status}${code ? ` (${code})` : ''}`}`;
}

/** Why the code did not go out by the first route: the failures and negative receipts before the last attempt. */
function detours(ledger: LedgerView, meaning: CodeMeaning): string[] {
  const before = ledger.attempts.slice(0, -1);
  return before.map((a) =>
    a.result === 'error'
      ? failureOf(a, meaning)
      : a.verdict
        ? receiptFailure(a, meaning)
        : `${PROVIDER(a.provider)} was tried`,
  );
}

const list = (parts: string[]) =>
  parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;

/** The line on top of the page. */
export function storyLine(detail: DeliveryDetail, meaning: CodeMeaning, now = Date.now()): string {
  const { ledger } = detail;
  const received = detail.receivedAt;
  const since = (iso: string | undefined) =>
    iso ? duration(Math.max(0, Date.parse(iso) - received)) : undefined;
  const after = detours(ledger, meaning);
  const afterText = after.length ? `, after ${list(after)}` : '';
  switch (detail.state) {
    case 'blocked':
      return `Blocked by the fraud controls${detail.answer?.reason ? ` (${detail.answer.reason})` : ''}: nothing was sent, and Okta was told it failed.`;
    case 'okta-fallback':
      return `Okta sent this code itself: byot could not take it on${detail.answer?.reason ? ` (${detail.answer.reason})` : ''}, and sent nothing.`;
    case 'delivered': {
      const via = ledger.delivered ? ROUTE(ledger.delivered.provider) : 'the provider';
      const latency = ledger.delivered?.latencyMs;
      const when = latency !== undefined ? duration(latency) : since(ledger.delivered?.at);
      return `Delivered by ${via}${when ? ` ${when} after Okta asked` : ''}${afterText}.`;
    }
    case 'pending': {
      const accepted = ledger.attempts.filter((a) => a.result === 'accepted').at(-1);
      if (!accepted)
        return `Not sent yet: byot is still trying${afterText}; the code expires ${expiresIn(ledger, now)}.`;
      return `Accepted by ${ROUTE(accepted.provider)} ${since(accepted.finishedAt)} after Okta asked${afterText}; no delivery receipt yet.`;
    }
    case 'undelivered': {
      const last = ledger.attempts.filter((a) => a.result === 'accepted').at(-1);
      const why = last ? receiptFailure(last, meaning) : 'no provider confirmed it';
      const earlier = ledger.attempts
        .filter((a) => a !== last)
        .map((a) => (a.result === 'error' ? failureOf(a, meaning) : receiptFailure(a, meaning)));
      return `Not delivered: ${why}${earlier.length ? `, after ${list(earlier)}` : ''}; nothing more was tried before the code expired.`;
    }
    case 'failed': {
      const failures = ledger.attempts.map((a) => failureOf(a, meaning));
      return failures.length
        ? `Not sent: ${list(failures)}${ledger.reason ? `; ${ledger.reason}` : ''}.`
        : `Not sent: ${ledger.reason ?? 'no provider could take it'}.`;
    }
  }
}

function expiresIn(ledger: LedgerView, now: number): string {
  const left = Date.parse(ledger.otpExpiresAt) - now;
  return left > 0 ? `in ${duration(left)}` : 'now';
}

function toneOf(status: NormalisedStatus | 'no-receipt'): TimelineEntry['tone'] {
  if (status === 'no-receipt') return 'bad';
  const verdict = receiptVerdict(status);
  return verdict === 'delivered' ? 'ok' : verdict === 'failed' ? 'bad' : 'info';
}

export interface TimelineEntry {
  at: number;
  /** ok / bad / info: how the entry is marked. */
  tone: 'ok' | 'bad' | 'info';
  text: string;
  /** Ids and codes worth copying into a ticket (provider message id, error code). */
  detail?: string;
}

const REQUEST: Record<string, string> = {
  'com.okta.user.telephony.pre-enrollment': 'enrolling a phone',
  'com.okta.user.telephony.mfa-verification': 'sign-in (MFA)',
  'com.okta.user.telephony.account-unlock': 'account unlock',
  'com.okta.user.telephony.password-reset': 'password reset',
};

export function requestLabel(requestType: string): string {
  return REQUEST[requestType] ?? requestType;
}

/** Every step, oldest first. */
export function timeline(detail: DeliveryDetail, meaning: CodeMeaning, now = Date.now()): TimelineEntry[] {
  const { ledger } = detail;
  const entries: TimelineEntry[] = [
    {
      at: detail.receivedAt,
      tone: 'info',
      text: `Okta asked for a code by ${ledger.channel === 'voice' ? 'voice call' : 'SMS'} (${requestLabel(ledger.requestType)}) to ${ledger.phoneMasked}`,
    },
  ];
  if (detail.answer) {
    const a = detail.answer;
    const said =
      a.status === 'fallback'
        ? 'byot answered that it could not take it: Okta sends the code through its own providers'
        : `byot answered Okta ${a.status}${a.provider ? ` (${PROVIDER(a.provider.toLowerCase())})` : ''}`;
    entries.push({
      at: a.at,
      tone: a.status === 'SUCCESSFUL' || a.status === 'PENDING' ? 'info' : 'bad',
      text: `${said}, ${duration(Math.max(0, a.at - detail.receivedAt))} after the hook`,
      ...(a.reason ? { detail: a.reason } : {}),
    });
  }
  let previous: Attempt | undefined;
  for (const attempt of ledger.attempts) {
    const started = Date.parse(attempt.startedAt);
    if (previous && previous.provider !== attempt.provider) {
      const why =
        previous.result === 'error' ? failureOf(previous, meaning) : receiptFailure(previous, meaning);
      entries.push({ at: started, tone: 'info', text: `Failover to ${ROUTE(attempt.provider)}: ${why}` });
    }
    if (attempt.result === 'accepted') {
      entries.push({
        at: Date.parse(attempt.finishedAt),
        tone: 'ok',
        text: `${ROUTE(attempt.provider)} accepted the ${attempt.channel === 'voice' ? 'call' : attempt.channel === 'email' ? 'e-mail' : 'message'} (attempt ${attempt.n}, ${duration(Date.parse(attempt.finishedAt) - started)})`,
        ...(attempt.providerMessageId ? { detail: attempt.providerMessageId } : {}),
      });
    } else {
      entries.push({
        at: Date.parse(attempt.finishedAt),
        tone: 'bad',
        text: `Attempt ${attempt.n}: ${failureOf(attempt, meaning)}`,
        ...(attempt.errorCode ? { detail: `${attempt.errorKind ?? 'error'} ${attempt.errorCode}` } : {}),
      });
    }
    for (const receipt of attempt.history ?? []) {
      const code = receipt.code ? meaning(attempt.provider, receipt.code, 'receipt') : undefined;
      entries.push({
        // When it reached us: providers' own clocks differ (and some give whole seconds), ours orders the story.
        at: Date.parse(receipt.receivedAt),
        tone: toneOf(receipt.status),
        text:
          receipt.status === 'no-receipt'
            ? `No receipt from ${PROVIDER(attempt.provider)} in time: treated as undelivered`
            : `${PROVIDER(attempt.provider)} reported ${receipt.status}${code ? `: ${code}` : ''}${receipt.applied ? '' : ' (repeat, changed nothing)'}`,
        ...(receipt.code ? { detail: `code ${receipt.code}` } : {}),
      });
    }
    previous = attempt;
  }
  if (ledger.delivered) {
    entries.push({
      at: Date.parse(ledger.delivered.at),
      tone: 'ok',
      text: `Delivered by ${ROUTE(ledger.delivered.provider)}${ledger.delivered.latencyMs !== undefined ? `, ${duration(ledger.delivered.latencyMs)} after Okta asked` : ''}`,
    });
  }
  const expires = Date.parse(ledger.otpExpiresAt);
  if (!ledger.delivered && expires <= now && detail.state !== 'blocked' && detail.state !== 'okta-fallback') {
    entries.push({ at: expires, tone: 'info', text: 'The code expired' });
  }
  return entries.sort((a, b) => a.at - b.at);
}
