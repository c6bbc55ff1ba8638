/**
 * Lua scripts: each state change of a delivery record is one atomic step, so two workers (a redelivered job, a
 * stalled job picked up twice) can never both decide to send, and a settled record never moves back.
 */

const SETTLED = `local settled = {accepted=true, failed=true, expired=true, fallback=true}`;

/**
 * KEYS[1] record
 * ARGV: now, expireAtMs, eventId, deliveryId, channel, requestType, phoneMasked, otpExpiresAt, provider, staleAfterMs
 * Returns {decision, previousState, attempts, outcomeJson, exclusionsJson}
 *   decision 'go': the caller may send (previousState 'sending' means an earlier attempt's worker died mid-send)
 *   decision 'busy': another worker started an attempt less than staleAfterMs ago and may still be sending
 *   decision 'settled': do not send; outcomeJson is the settled outcome
 */
export const BEGIN_ATTEMPT = `
${SETTLED}
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if state and settled[state] then
  return {'settled', state, redis.call('HGET', key, 'attempts') or '0', redis.call('HGET', key, 'outcome') or ''}
end
if state == 'sending' then
  local since = tonumber(ARGV[1]) - tonumber(redis.call('HGET', key, 'updatedAt') or '0')
  if since < tonumber(ARGV[10]) then
    return {'busy', state, redis.call('HGET', key, 'attempts') or '0', tostring(tonumber(ARGV[10]) - since)}
  end
end
if not state then
  redis.call('HSET', key, 'eventId', ARGV[3], 'deliveryId', ARGV[4], 'channel', ARGV[5], 'requestType', ARGV[6],
    'phoneMasked', ARGV[7], 'otpExpiresAt', ARGV[8], 'createdAt', ARGV[1], 'attempts', 0)
  redis.call('PEXPIREAT', key, ARGV[2])
end
local attempts = redis.call('HINCRBY', key, 'attempts', 1)
redis.call('HSET', key, 'state', 'sending', 'provider', ARGV[9], 'updatedAt', ARGV[1])
return {'go', state or '', tostring(attempts), '', redis.call('HGET', key, 'reroute') or ''}
`;

/**
 * KEYS[1] record
 * ARGV: now, state, outcomeJson, channel, eventId, provider, providerMessageId, reason, expireAtMs
 * Settles the record (if not settled already) and announces the outcome on the outcomes channel.
 * Returns {applied (1|0), outcomeJson in force}.
 */
/**
 * The settle step shared by SETTLE and SETTLE_ACCEPTED. KEYS[1] record.
 * ARGV: now, state, outcomeJson, channel, eventId, provider, providerMessageId, reason, expireAtMs
 * Settles the record (if not settled already) and announces the outcome on the outcomes channel.
 */
const SETTLE_BODY = `
${SETTLED}
local function settle(key)
  local state = redis.call('HGET', key, 'state')
  if state and settled[state] then
    local existing = redis.call('HGET', key, 'outcome') or ''
    redis.call('PUBLISH', ARGV[4], existing)
    return {0, existing}
  end
  if not state then
    redis.call('HSET', key, 'eventId', ARGV[5], 'createdAt', ARGV[1], 'attempts', 0)
    redis.call('PEXPIREAT', key, ARGV[9])
  end
  redis.call('HSET', key, 'state', ARGV[2], 'outcome', ARGV[3], 'updatedAt', ARGV[1])
  if ARGV[6] ~= '' then redis.call('HSET', key, 'provider', ARGV[6]) end
  if ARGV[7] ~= '' then redis.call('HSET', key, 'providerMessageId', ARGV[7]) end
  if ARGV[8] ~= '' then redis.call('HSET', key, 'reason', ARGV[8]) end
  redis.call('PUBLISH', ARGV[4], ARGV[3])
  return {1, ARGV[3]}
end
`;

/** KEYS[1] record. ARGV as SETTLE_BODY. Returns {applied (1|0), outcomeJson in force}. */
export const SETTLE = `
${SETTLE_BODY}
return settle(KEYS[1])
`;

/**
 * A provider accepted: settle, and write the ledger in the same step, so a status callback can never find the
 * record settled but its attempt missing.
 * KEYS[1] record, KEYS[2] attempts list, KEYS[3] provider-message index, KEYS[4] resend payload
 * ARGV[1..9] as SETTLE_BODY; ARGV[10] attempt entry JSON, ARGV[11] sealed job JSON (resend payload),
 * ARGV[12] the resend payload's expiry (otpExpiresAt; 0: keep none), ARGV[13] hookReceivedAt, ARGV[14] the hook's traceparent (or '')
 * The attempt is recorded even when the record was settled already: it was sent, the ledger must say so.
 * Returns {applied, outcomeJson in force, attempt index}.
 */
export const SETTLE_ACCEPTED = `
${SETTLE_BODY}
local index = redis.call('RPUSH', KEYS[2], ARGV[10])
redis.call('PEXPIREAT', KEYS[2], ARGV[9])
local ref = ARGV[5] .. ' ' .. index
if ARGV[14] ~= '' then ref = ref .. ' ' .. ARGV[14] end
redis.call('SET', KEYS[3], ref, 'PXAT', ARGV[9])
local result = settle(KEYS[1])
if result[1] == 1 then
  redis.call('HSETNX', KEYS[1], 'hookReceivedAt', ARGV[13])
  if tonumber(ARGV[12]) > tonumber(ARGV[1]) then
    redis.call('SET', KEYS[4], ARGV[11], 'PXAT', ARGV[12])
  end
end
return {result[1], result[2], index}
`;

/**
 * A provider refused or failed: record the attempt. KEYS[1] attempts list. ARGV: entry JSON, expireAtMs.
 */
export const LOG_ATTEMPT = `
local index = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return index
`;

/**
 * A status report for one attempt. KEYS[1] record, KEYS[2] attempts list, KEYS[3] resend payload
 * ARGV: index (1-based), status, raw, code, at, receivedAt, seq, rank, verdict (delivered|failed|progress|no-receipt),
 *   provider, channel, maxHistory
 * Moves the attempt's status forward only (by rank), sets its verdict once (a real receipt may replace our own
 * 'no-receipt'), records every report in its history (duplicates are recognised and not recorded twice), and on
 * the OTP's first delivery stamps the record and drops the resend payload (nothing will be resent).
 * Returns {'missing'} or {outcome ('applied'|'stale'|'duplicate'), verdict, firstDelivery (0|1), state,
 *   current providerMessageId, hookReceivedAt, deliveredAt}.
 */
export const APPLY_RECEIPT = `
local raw = redis.call('LINDEX', KEYS[2], tonumber(ARGV[1]) - 1)
if not raw then return {'missing'} end
local a = cjson.decode(raw)
if type(a.history) ~= 'table' then a.history = {} end
local code = ARGV[4]
local seq = ARGV[7]
local function tail(outcome, first)
  return {outcome, a.verdict or '', first, redis.call('HGET', KEYS[1], 'state') or '',
    redis.call('HGET', KEYS[1], 'providerMessageId') or '', redis.call('HGET', KEYS[1], 'hookReceivedAt') or '',
    redis.call('HGET', KEYS[1], 'deliveredAt') or ''}
end
for _, h in ipairs(a.history) do
  if h.raw == ARGV[3] and tostring(h.code or '') == code and tostring(h.seq or '') == seq then
    return tail('duplicate', 0)
  end
end
local applied = false
local rank = tonumber(ARGV[8])
if rank > (tonumber(a.rank) or 0) then
  a.status = ARGV[2]
  a.rank = rank
  a.statusAt = tonumber(ARGV[5])
  applied = true
end
local verdict = ARGV[9]
if (verdict == 'delivered' or verdict == 'failed' or verdict == 'no-receipt') and
   (a.verdict == nil or (a.verdict == 'no-receipt' and verdict ~= 'no-receipt')) then
  a.verdict = verdict
  applied = true
end
if #a.history < tonumber(ARGV[12]) then
  local h = {status = ARGV[2], raw = ARGV[3], at = tonumber(ARGV[5]), receivedAt = tonumber(ARGV[6]), applied = applied}
  if code ~= '' then h.code = code end
  if seq ~= '' then h.seq = tonumber(seq) end
  table.insert(a.history, h)
end
redis.call('LSET', KEYS[2], tonumber(ARGV[1]) - 1, cjson.encode(a))
local first = 0
if a.verdict == 'delivered' and not redis.call('HGET', KEYS[1], 'deliveredAt') then
  redis.call('HSET', KEYS[1], 'deliveredAt', ARGV[6], 'deliveredVia', ARGV[10], 'deliveredChannel', ARGV[11])
  redis.call('DEL', KEYS[3])
  first = 1
end
return tail(applied and 'applied' or 'stale', first)
`;

/**
 * A receipt said an accepted attempt did not reach the person: reopen the delivery for the next route.
 * KEYS[1] record, KEYS[2] resend payload
 * ARGV: providerMessageId, now, minUsefulMs, channel, provider, numberBad (0|1), suggestsVoice (0|1), reason
 * Only the attempt the record is settled on may reopen it (a stale receipt of an earlier attempt may not), never
 * once delivered, and never when the code has too little time left. Asked again for the same receipt (a retried
 * status job), it answers 'again' while the resend has not started, so the caller re-adds the same job id.
 * Returns {decision ('reroute'|'again'|'not-current'|'delivered'|'too-late'|'no-payload'), resend job JSON}.
 */
export const REOPEN_FOR_RESEND = `
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if state == 'retrying' and redis.call('HGET', key, 'reroutedFrom') == ARGV[1] then
  local job = redis.call('GET', KEYS[2])
  if job then return {'again', job} end
  return {'no-payload', ''}
end
if state ~= 'accepted' or redis.call('HGET', key, 'providerMessageId') ~= ARGV[1] then
  return {'not-current', ''}
end
if redis.call('HGET', key, 'deliveredAt') then return {'delivered', ''} end
if tonumber(ARGV[2]) + tonumber(ARGV[3]) >= tonumber(redis.call('HGET', key, 'otpExpiresAt') or '0') then
  return {'too-late', ''}
end
local job = redis.call('GET', KEYS[2])
if not job then return {'no-payload', ''} end
local ex = {}
local current = redis.call('HGET', key, 'reroute')
if current then ex = cjson.decode(current) end
local rule = ex[ARGV[4]]
if type(rule) ~= 'table' then rule = {providers = {}} end
if type(rule.providers) ~= 'table' then rule.providers = {} end
table.insert(rule.providers, ARGV[5])
if ARGV[6] == '1' then rule.closed = true end
ex[ARGV[4]] = rule
if ARGV[7] == '1' then ex.suggestsVoice = true end
redis.call('HSET', key, 'reroute', cjson.encode(ex), 'state', 'retrying', 'reason', ARGV[8],
  'reroutedAfter', ARGV[8], 'reroutedFrom', ARGV[1], 'updatedAt', ARGV[2])
return {'reroute', job}
`;

/**
 * KEYS[1] record. ARGV: now, reason, nextAttemptAt
 * A failed attempt that will be retried: sending -> retrying. Never touches a settled record.
 */
export const MARK_RETRYING = `
${SETTLED}
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if not state or settled[state] then return 0 end
redis.call('HSET', key, 'state', 'retrying', 'reason', ARGV[2], 'nextAttemptAt', ARGV[3], 'updatedAt', ARGV[1])
return 1
`;

/**
 * KEYS[1] record. ARGV: now, outcomeJson, eventId, expireAtMs
 * The ingress told Okta to use its own providers: make sure no worker ever sends this OTP.
 * Refused (returns the state) once a worker has started sending: that window is documented in ADR 0003.
 */
export const MARK_FALLBACK = `
local key = KEYS[1]
local state = redis.call('HGET', key, 'state')
if state and state ~= 'retrying' then return state end
if not state then
  redis.call('HSET', key, 'eventId', ARGV[3], 'createdAt', ARGV[1], 'attempts', 0)
  redis.call('PEXPIREAT', key, ARGV[4])
end
redis.call('HSET', key, 'state', 'fallback', 'outcome', ARGV[2], 'reason', 'okta-fallback', 'updatedAt', ARGV[1])
return 'fallback'
`;
