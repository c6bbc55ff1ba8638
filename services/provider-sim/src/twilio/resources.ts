import { formatForDisplay } from '../lib/phone.ts';
import { toRfc2822 } from '../lib/time.ts';
import type { AcceptedRecord } from '../store/records.ts';

const API_VERSION = '2010-04-01';

/** Twilio's texts for the delivery error codes the simulator reports in status callbacks. */
const DELIVERY_ERRORS: Readonly<Record<string, string>> = {
  '30001': 'Queue overflow',
  '30002': 'Account suspended',
  '30003': 'Unreachable destination handset',
  '30004': 'Message blocked',
  '30005': 'Unknown destination handset',
  '30006': 'Landline or unreachable carrier',
  '30007': 'Message filtered',
  '30008': 'Unknown error',
};

/** When the resource last changed, and when it first reached `status` (null if it never did). */
function lastChange(record: AcceptedRecord): number {
  return record.statusHistory?.at(-1)?.at ?? record.receivedAt;
}

function reached(record: AcceptedRecord, status: string): number | null {
  return record.statusHistory?.find((change) => change.status === status)?.at ?? null;
}

/**
 * The Message resource as Twilio returns it from create and fetch (field set of the OpenAPI
 * `api.v2010.account.message` schema). Numbers are strings where Twilio sends strings (num_segments, num_media).
 */
export function messageResource(record: AcceptedRecord): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${record.accountSid}/Messages/${record.sid}`;
  const created = toRfc2822(record.receivedAt);
  const sent = reached(record, 'sent');
  const errorCode = record.errorCode === undefined ? null : Number(record.errorCode);
  return {
    account_sid: record.accountSid,
    api_version: API_VERSION,
    body: record.body ?? '',
    date_created: created,
    date_sent: sent === null ? null : toRfc2822(sent),
    date_updated: toRfc2822(lastChange(record)),
    direction: 'outbound-api',
    error_code: errorCode,
    error_message: errorCode === null ? null : (DELIVERY_ERRORS[String(errorCode)] ?? 'Unknown error'),
    from: record.from,
    messaging_service_sid: record.messagingServiceSid ?? null,
    num_media: String(record.numMedia ?? 0),
    num_segments: String(record.numSegments ?? 1),
    price: null,
    price_unit: null,
    sid: record.sid,
    status: record.status,
    subresource_uris: { media: `${uri}/Media.json` },
    to: record.to,
    uri: `${uri}.json`,
  };
}

/** The Call resource as Twilio returns it (OpenAPI `api.v2010.account.call`), at its current status. */
export function callResource(record: AcceptedRecord): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${record.accountSid}/Calls/${record.sid}`;
  const created = toRfc2822(record.receivedAt);
  const from = record.from ?? '';
  const subresources = [
    'notifications',
    'recordings',
    'payments',
    'events',
    'siprec',
    'streams',
    'transcriptions',
    'user_defined_message_subscriptions',
    'user_defined_messages',
  ];
  const answered = reached(record, 'in-progress');
  const ended = ['completed', 'busy', 'no-answer', 'failed'].includes(record.status)
    ? lastChange(record)
    : null;
  return {
    account_sid: record.accountSid,
    answered_by: null,
    api_version: API_VERSION,
    caller_name: null,
    date_created: created,
    date_updated: toRfc2822(lastChange(record)),
    direction: 'outbound-api',
    duration: ended === null ? null : String(answered === null ? 0 : Math.round((ended - answered) / 1000)),
    end_time: ended === null ? null : toRfc2822(ended),
    forwarded_from: null,
    from,
    from_formatted: formatForDisplay(from),
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: record.sid,
    start_time: answered === null ? null : toRfc2822(answered),
    // "initiated" is a status-callback event, not a status of the Call resource.
    status: record.status === 'initiated' ? 'queued' : record.status,
    subresource_uris: Object.fromEntries(
      subresources.map((name) => [name, `${uri}/${toPascalCase(name)}.json`]),
    ),
    to: record.to,
    to_formatted: formatForDisplay(record.to),
    trunk_sid: null,
    uri: `${uri}.json`,
  };
}

/** "user_defined_messages" → "UserDefinedMessages", the spelling of Twilio's subresource paths. */
function toPascalCase(snake: string): string {
  return snake
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
