import type { NormalisedStatus } from '@byot/contracts';
import { lookupStatus, NOTHING_ABOUT_THE_NUMBER, type ReceiptFailureMeaning } from '../definition.ts';

/**
 * SendGrid event names. `bounce` (including type "blocked") is the receiving server refusing: undelivered;
 * `dropped` is SendGrid never sending it: failed. Engagement events imply delivery; the rest say nothing of it.
 */
const EVENT: Readonly<Record<string, NormalisedStatus>> = {
  processed: 'queued',
  deferred: 'queued',
  delivered: 'delivered',
  open: 'delivered',
  click: 'delivered',
  bounce: 'undelivered',
  blocked: 'undelivered',
  dropped: 'failed',
};

export function normaliseSendGridEvent(raw: string): NormalisedStatus {
  return lookupStatus(EVENT, raw);
}

/** E-mail is the last resort: a bounce says nothing about the phone number, and nothing is resent after it. */
export function sendGridReceiptFailureMeaning(): ReceiptFailureMeaning {
  return NOTHING_ABOUT_THE_NUMBER;
}
