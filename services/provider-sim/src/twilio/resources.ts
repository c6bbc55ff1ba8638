import { formatForDisplay } from '../lib/phone.ts';
import { toRfc2822 } from '../lib/time.ts';
import type { AcceptedRecord } from '../store/records.ts';

const API_VERSION = '2010-04-01';

/**
 * The Message resource as Twilio returns it from create and fetch (field set of the OpenAPI
 * `api.v2010.account.message` schema). Numbers are strings where Twilio sends strings (num_segments, num_media).
 */
export function messageResource(record: AcceptedRecord): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${record.accountSid}/Messages/${record.sid}`;
  const created = toRfc2822(record.receivedAt);
  return {
    account_sid: record.accountSid,
    api_version: API_VERSION,
    body: record.body ?? '',
    date_created: created,
    date_sent: null,
    date_updated: created,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
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

/** The Call resource as Twilio returns it (OpenAPI `api.v2010.account.call`), for a call that is still queued. */
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
  return {
    account_sid: record.accountSid,
    answered_by: null,
    api_version: API_VERSION,
    caller_name: null,
    date_created: created,
    date_updated: created,
    direction: 'outbound-api',
    duration: null,
    end_time: null,
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
    start_time: null,
    status: record.status,
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
