/**
 * Lua scripts: each state change of a delivery record is one atomic step, so two workers (a redelivered job, a
 * stalled job picked up twice) can never both decide to send, and a settled record never moves back.
 */

const SETTLED = `local settled = {accepted=true, failed=true, expired=true, fallback=true}`;

/**
 * KEYS[1] record
 * ARGV: now, expireAtMs, eventId, deliveryId, channel, requestType, phoneMasked, otpExpiresAt, provider, staleAfterMs
 * Returns {decision, previousState, attempts, outcomeJson}
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
return {'go', state or '', tostring(attempts), ''}
`;

/**
 * KEYS[1] record
 * ARGV: now, state, outcomeJson, channel, eventId, provider, providerMessageId, reason, expireAtMs
 * Settles the record (if not settled already) and announces the outcome on the outcomes channel.
 * Returns {applied (1|0), outcomeJson in force}.
 */
export const SETTLE = `
${SETTLED}
local key = KEYS[1]
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
