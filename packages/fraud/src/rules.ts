import type { AnomalyScope, LimitRule } from './policy.ts';

/**
 * Every reason a code can be refused. These are the `rule` label of byot_blocked_total, the reason in the delivery
 * ledger and the words Okta hears: a bounded set, never a number.
 */
export type BlockRule = 'country' | 'number-type' | LimitRule | `hold-${AnomalyScope}`;

const WHAT: Record<BlockRule, string> = {
  country: 'destination country not allowed',
  'number-type': 'number type not allowed',
  'per-number': 'per-number limit',
  'per-user': 'per-user limit',
  'per-prefix': 'per-prefix limit',
  'per-country': 'per-country limit',
  tenant: 'tenant limit',
  'enroll-per-number': 'enrollment per-number limit',
  'enroll-per-user': 'enrollment per-user limit',
  'enroll-per-prefix': 'enrollment per-prefix limit',
  'enroll-per-country': 'enrollment per-country limit',
  'enroll-tenant': 'enrollment tenant limit',
  'hold-prefix': 'destination prefix on hold (unusual volume)',
  'hold-range': 'destination range on hold (unusual volume)',
  'hold-country': 'destination country on hold (unusual volume)',
};

/**
 * What Okta is told (`transactionMetadata` of a FAILED answer): neutral, naming the rule and never the number.
 * `detail` is a bounded word such as the number type ("PREMIUM_RATE"), never anything the caller typed.
 */
export function blockDescription(rule: BlockRule, detail?: string): string {
  return `blocked: ${WHAT[rule]}${detail ? ` (${detail})` : ''}`;
}
