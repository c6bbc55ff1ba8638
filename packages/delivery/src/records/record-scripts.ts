/**
 * The delivery record's state machine, in Lua: each state change is one atomic step, so two workers (a redelivered
 * job, a stalled job picked up twice) can never both decide to send, and a settled record never moves back.
 *
 * Every script takes its keys as KEYS and one packed argument table (`args`, see @byot/redis defineScript); the
 * comment above each one lists its fields. A field written `x?` may be absent (nil).
 */
import { UNPACK_ARGS } from '@byot/redis';

const SETTLED = `local settled = {accepted=true, failed=true, expired=true, fallback=true, blocked=true}`;

/**
 * Routes ruled out by receipts, as JSON in the record field `exclusions`. The release before this one called the
 * field `reroute`: read both, so that a rolling upgrade keeps what the running release wrote, and write both, so
 * that its workers still running keep seeing what this release writes. (Drop `reroute` in the release after.)
 */
const READ_EXCLUSIONS = `
local function readExclusions(key)
  return redis.call('HGET', key, 'exclusions') or redis.call('HGET', key, 'reroute')
end
`;

/**
 * KEYS[1] record.
 * args: now, expireAt, eventId, deliveryId, channel, requestType, phoneMasked, otpExpiresAt, provider, staleAfterMs
 * Returns {decision, previousState, attempts, outcomeJson | retryInMs, exclusionsJson}
 *   'go': the caller may send (previousState 'sending': an earlier attempt's worker died mid-send)
 *   'busy': another worker started an attempt less than staleAfterMs ago and may still be sending
 *   'settled': do not send; the 4th field is the settled outcome
 */
export const BEGIN_ATTEMPT = `
${UNPACK_ARGS}
${SETTLED}
${READ_EXCLUSIONS}
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if state and settled[state] then
  return {'settled', state, redis.call('HGET', key, 'attempts') or '0', redis.call('HGET', key, 'outcome') or ''}
end
if state == 'sending' then
  local since = args.now - tonumber(redis.call('HGET', key, 'updatedAt') or '0')
  if since < args.staleAfterMs then
    return {'busy', state, redis.call('HGET', key, 'attempts') or '0', tostring(args.staleAfterMs - since)}
  end
end
if not state then
  redis.call('HSET', key, 'eventId', args.eventId, 'deliveryId', args.deliveryId, 'channel', args.channel,
    'requestType', args.requestType, 'phoneMasked', args.phoneMasked, 'otpExpiresAt', args.otpExpiresAt,
    'createdAt', args.now, 'attempts', 0)
  redis.call('PEXPIREAT', key, args.expireAt)
end
local attempts = redis.call('HINCRBY', key, 'attempts', 1)
redis.call('HSET', key, 'state', 'sending', 'provider', args.provider, 'updatedAt', args.now)
return {'go', state or '', tostring(attempts), '', readExclusions(key) or ''}
`;

/**
 * The settle step shared by SETTLE and SETTLE_ACCEPTED: settles the record (unless settled already) and announces
 * the outcome in force on the outcomes channel.
 * args: now, state, outcome (JSON), outcomesChannel, eventId, provider?, providerMessageId?, reason?, expireAt
 */
const SETTLE_STEP = `
${SETTLED}
local function settle(key)
  local state = redis.call('HGET', key, 'state')
  if state and settled[state] then
    local existing = redis.call('HGET', key, 'outcome') or ''
    redis.call('PUBLISH', args.outcomesChannel, existing)
    return {0, existing}
  end
  if not state then
    redis.call('HSET', key, 'eventId', args.eventId, 'createdAt', args.now, 'attempts', 0)
    redis.call('PEXPIREAT', key, args.expireAt)
  end
  redis.call('HSET', key, 'state', args.state, 'outcome', args.outcome, 'updatedAt', args.now)
  if args.provider then redis.call('HSET', key, 'provider', args.provider) end
  if args.providerMessageId then redis.call('HSET', key, 'providerMessageId', args.providerMessageId) end
  if args.reason then redis.call('HSET', key, 'reason', args.reason) end
  redis.call('PUBLISH', args.outcomesChannel, args.outcome)
  return {1, args.outcome}
end
`;

/** KEYS[1] record. args as SETTLE_STEP. Returns {applied (1|0), outcomeJson in force}. */
export const SETTLE = `
${UNPACK_ARGS}
${SETTLE_STEP}
return settle(KEYS[1])
`;

/**
 * A provider accepted: settle, and write the ledger in the same step, so a status callback can never find the
 * record settled but its attempt missing. The attempt is recorded even when the record was settled already: it
 * was sent, the ledger must say so.
 * KEYS[1] record, KEYS[2] attempts list, KEYS[3] resend payload, KEYS[4]? provider-message index (absent on a
 *   Cluster, where it lives in another slot: the store writes it right after, see DeliveryStore.settleAccepted)
 * args: those of SETTLE_STEP, and attempt (entry JSON), job (the sealed job JSON, for a receipt-driven resend),
 *   resendUntil? (when the resend payload expires: the OTP's expiry; absent: keep none), hookReceivedAt,
 *   traceparent? (the hook's, W3C)
 * Returns {applied, outcomeJson in force, attempt index}.
 */
export const SETTLE_ACCEPTED = `
${UNPACK_ARGS}
${SETTLE_STEP}
local index = redis.call('RPUSH', KEYS[2], args.attempt)
redis.call('PEXPIREAT', KEYS[2], args.expireAt)
local ref = args.eventId .. ' ' .. index
if args.traceparent then ref = ref .. ' ' .. args.traceparent end
if KEYS[4] then redis.call('SET', KEYS[4], ref, 'PXAT', args.expireAt) end
local result = settle(KEYS[1])
if result[1] == 1 then
  redis.call('HSETNX', KEYS[1], 'hookReceivedAt', args.hookReceivedAt)
  if args.resendUntil and args.resendUntil > args.now then
    redis.call('SET', KEYS[3], args.job, 'PXAT', args.resendUntil)
  end
end
return {result[1], result[2], index}
`;

/** A provider refused or failed: record the attempt. KEYS[1] attempts list. args: entry (JSON), expireAt. */
export const LOG_ATTEMPT = `
${UNPACK_ARGS}
local index = redis.call('RPUSH', KEYS[1], args.entry)
redis.call('PEXPIREAT', KEYS[1], args.expireAt)
return index
`;

/**
 * A status report for one attempt. KEYS[1] record, KEYS[2] attempts list, KEYS[3] resend payload
 * args: index (1-based), status, raw, code?, at, receivedAt, seq?, rank,
 *   verdict (delivered|failed|progress|no-receipt), provider, channel, maxHistory
 * Moves the attempt's status forward only (by rank), sets its verdict once (a real receipt may replace our own
 * 'no-receipt'), records every report in its history (duplicates are recognised and not recorded twice), and on
 * the OTP's first delivery stamps the record and drops the resend payload (nothing will be resent).
 * Returns {'missing'} or {outcome ('applied'|'stale'|'duplicate'), verdict, firstDelivery (0|1), state,
 *   current providerMessageId, hookReceivedAt, deliveredAt, the attempt's credentialSet ('' when it has none)}.
 */
export const APPLY_RECEIPT = `
${UNPACK_ARGS}
local raw = redis.call('LINDEX', KEYS[2], args.index - 1)
if not raw then return {'missing'} end
local a = cjson.decode(raw)
if type(a.history) ~= 'table' then a.history = {} end
local code = args.code or ''
local seq = args.seq and tostring(args.seq) or ''
local function tail(outcome, first)
  return {outcome, a.verdict or '', first, redis.call('HGET', KEYS[1], 'state') or '',
    redis.call('HGET', KEYS[1], 'providerMessageId') or '', redis.call('HGET', KEYS[1], 'hookReceivedAt') or '',
    redis.call('HGET', KEYS[1], 'deliveredAt') or '', a.credentialSet or ''}
end
for _, h in ipairs(a.history) do
  if h.raw == args.raw and tostring(h.code or '') == code and tostring(h.seq or '') == seq then
    return tail('duplicate', 0)
  end
end
local applied = false
if args.rank > (tonumber(a.rank) or 0) then
  a.status = args.status
  a.rank = args.rank
  a.statusAt = args.at
  applied = true
end
local verdict = args.verdict
if (verdict == 'delivered' or verdict == 'failed' or verdict == 'no-receipt') and
   (a.verdict == nil or (a.verdict == 'no-receipt' and verdict ~= 'no-receipt')) then
  a.verdict = verdict
  applied = true
end
if #a.history < args.maxHistory then
  local h = {status = args.status, raw = args.raw, at = args.at, receivedAt = args.receivedAt, applied = applied}
  if args.code then h.code = args.code end
  if args.seq then h.seq = args.seq end
  table.insert(a.history, h)
end
redis.call('LSET', KEYS[2], args.index - 1, cjson.encode(a))
local first = 0
if a.verdict == 'delivered' and not redis.call('HGET', KEYS[1], 'deliveredAt') then
  redis.call('HSET', KEYS[1], 'deliveredAt', args.receivedAt, 'deliveredVia', args.provider,
    'deliveredChannel', args.channel)
  redis.call('DEL', KEYS[3])
  first = 1
end
return tail(applied and 'applied' or 'stale', first)
`;

/**
 * A receipt said an accepted attempt did not reach the person: reopen the delivery for the next route.
 * KEYS[1] record, KEYS[2] resend payload
 * args: providerMessageId, now, minUsefulMs, channel, provider, numberBad (bool), suggestsVoice (bool), reason
 * Only the attempt the record is settled on may reopen it (a stale receipt of an earlier attempt may not), never
 * once delivered, and never when the code has too little time left. Asked again for the same receipt (a retried
 * status job), it answers 'again' while the resend has not started, so the caller re-adds the same job id.
 * Returns {decision ('reroute'|'again'|'not-current'|'delivered'|'too-late'|'no-payload'), resend job JSON}.
 */
export const REOPEN_FOR_RESEND = `
${UNPACK_ARGS}
${READ_EXCLUSIONS}
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if state == 'retrying' and redis.call('HGET', key, 'reroutedFrom') == args.providerMessageId then
  local job = redis.call('GET', KEYS[2])
  if job then return {'again', job} end
  return {'no-payload', ''}
end
if state ~= 'accepted' or redis.call('HGET', key, 'providerMessageId') ~= args.providerMessageId then
  return {'not-current', ''}
end
if redis.call('HGET', key, 'deliveredAt') then return {'delivered', ''} end
if args.now + args.minUsefulMs >= tonumber(redis.call('HGET', key, 'otpExpiresAt') or '0') then
  return {'too-late', ''}
end
local job = redis.call('GET', KEYS[2])
if not job then return {'no-payload', ''} end
local ex = {}
local current = readExclusions(key)
if current then ex = cjson.decode(current) end
local rule = ex[args.channel]
if type(rule) ~= 'table' then rule = {providers = {}} end
if type(rule.providers) ~= 'table' then rule.providers = {} end
table.insert(rule.providers, args.provider)
if args.numberBad then rule.closed = true end
ex[args.channel] = rule
if args.suggestsVoice then ex.suggestsVoice = true end
local exclusions = cjson.encode(ex)
redis.call('HSET', key, 'exclusions', exclusions, 'reroute', exclusions, 'state', 'retrying',
  'reason', args.reason, 'reroutedAfter', args.reason, 'reroutedFrom', args.providerMessageId, 'updatedAt', args.now)
return {'reroute', job}
`;

/**
 * KEYS[1] record. args: now, reason, nextAttemptAt
 * A failed attempt that will be retried: sending -> retrying. Never touches a settled record.
 */
export const MARK_RETRYING = `
${UNPACK_ARGS}
${SETTLED}
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if not state or settled[state] then return 0 end
redis.call('HSET', key, 'state', 'retrying', 'reason', args.reason, 'nextAttemptAt', args.nextAttemptAt,
  'updatedAt', args.now)
return 1
`;

/**
 * KEYS[1] record. args: now, outcome (JSON), eventId, expireAt
 * The ingress told Okta to use its own providers: make sure no worker ever sends this OTP.
 * Refused (returns the state) once a worker has started sending: that window is documented in ADR 0003.
 */
export const MARK_FALLBACK = `
${UNPACK_ARGS}
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if state and state ~= 'retrying' then return state end
if not state then
  redis.call('HSET', key, 'eventId', args.eventId, 'createdAt', args.now, 'attempts', 0)
  redis.call('PEXPIREAT', key, args.expireAt)
end
redis.call('HSET', key, 'state', 'fallback', 'outcome', args.outcome, 'reason', 'okta-fallback',
  'updatedAt', args.now)
return 'fallback'
`;

/**
 * The fraud controls refused this code at the hook: a settled record (no job may ever send it) that the ledger
 * shows. A record that already exists is left as it is (the same eventId reached us earlier and was taken).
 * KEYS[1] record.
 * args: now, expireAt, eventId, deliveryId, channel, requestType, phoneMasked, otpExpiresAt, rule, reason, outcome
 * Returns the record's state: 'blocked', or the state it already had.
 */
export const MARK_BLOCKED = `
${UNPACK_ARGS}
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if state then return state end
redis.call('HSET', key, 'eventId', args.eventId, 'deliveryId', args.deliveryId, 'channel', args.channel,
  'requestType', args.requestType, 'phoneMasked', args.phoneMasked, 'otpExpiresAt', args.otpExpiresAt,
  'createdAt', args.now, 'updatedAt', args.now, 'attempts', 0, 'state', 'blocked', 'outcome', args.outcome,
  'reason', args.reason, 'blockedRule', args.rule, 'blockedAt', args.now)
redis.call('PEXPIREAT', key, args.expireAt)
return 'blocked'
`;
