/**
 * One Lua script decides a hook: every velocity limit, every hold and the anomaly detector, in one round trip and
 * atomically, for all replicas. It is all-or-nothing: a refused code consumes no limit and feeds no baseline, so an
 * attacker hammering one prefix does not use up the per-user budget of the people behind it.
 *
 * KEYS  1 refused-event marker   2 hold index   3 refusals of this hour   4 watching-since
 *       5 … 4+L        the limits' sliding-window logs
 *       then per watched scope s: volume state, hold, lifted marker
 * ARGV  1 now (ms; 0 = Redis TIME, one clock for every replica)   2 eventId   3 marker TTL   4 refusals TTL
 *       5 L, then per limit: max, windowMs, rule, refusal tag ("rule|subject|label")
 *       A = 6+4L: S, factor, minCodes, windowMs, learningMs, holdMs, alpha, stateTtlMs
 *       then per scope: name, label, holdId
 *
 * Replies: {'ok', now} · {'dup', now} · {'refused', rule, now} · {'limit', rule, count, retryAfterMs, now}
 *          · {'hold', scope, holdId, until, now} · {'new-hold', scope, holdId, until, volume, baseline, now}
 *
 * Velocity: a sliding-window log (ZSET of eventIds by time): exact, so `5/15m` never lets a sixth code through in
 * any 15 minutes (a fixed window lets 2N through across its edge; GCRA lets N through, then one every T/N).
 * It holds at most N members per key, and the eventId as member makes a duplicated hook count once.
 *
 * Anomaly: per destination, the codes of the current window plus the previous window's share (a sliding count),
 * against an exponentially weighted mean of past windows (bias-corrected, so a young destination's baseline is
 * its own short history, not zero). Nothing is held while the tenant is still being learned.
 */
export const EVALUATE = `
local now = tonumber(ARGV[1])
if now == 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local eventId = ARGV[2]
local markerTtl = tonumber(ARGV[3])
local refusalsTtl = tonumber(ARGV[4])
local L = tonumber(ARGV[5])
local A = 6 + 4 * L
local S = tonumber(ARGV[A])

local before = redis.call('GET', KEYS[1])
if before then return {'refused', before, now} end
if L > 0 and redis.call('ZSCORE', KEYS[5], eventId) then return {'dup', now} end

local function refuse(rule, tag)
  redis.call('SET', KEYS[1], rule, 'PX', markerTtl)
  if tag ~= '' then
    redis.call('ZINCRBY', KEYS[3], 1, tag)
    if redis.call('ZCARD', KEYS[3]) > 500 then redis.call('ZREMRANGEBYRANK', KEYS[3], 0, 0) end
    redis.call('PEXPIRE', KEYS[3], refusalsTtl)
  end
end

-- 1. a destination on hold
for s = 0, S - 1 do
  local holdKey = KEYS[6 + L + 3 * s]
  local untilMs = tonumber(redis.call('HGET', holdKey, 'until'))
  -- the key expires with the hold; the comparison keeps one clock (the caller's) in charge of both
  if untilMs and untilMs > now then
    local scope = ARGV[A + 8 + 3 * s]
    redis.call('HINCRBY', holdKey, 'refused', 1)
    refuse('hold-' .. scope, '')
    return {'hold', scope, ARGV[A + 10 + 3 * s], untilMs, now}
  end
end

-- 2. velocity limits (checked all before any is counted)
for i = 0, L - 1 do
  local key = KEYS[5 + i]
  local max = tonumber(ARGV[6 + 4 * i])
  local w = tonumber(ARGV[7 + 4 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - w)
  local count = redis.call('ZCARD', key)
  if count >= max then
    -- the entry whose leaving brings the count under max (the oldest, unless the limit was lowered)
    local edge = redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')
    local retry = tonumber(edge[2]) + w - now
    refuse(ARGV[8 + 4 * i], ARGV[9 + 4 * i])
    return {'limit', ARGV[8 + 4 * i], count, retry, now}
  end
end

-- 3. the anomaly detector: every watched scope is computed first; at most one hold starts
local pending = {}
local stateTtl = 0
if S > 0 then
  local factor = tonumber(ARGV[A + 1])
  local minCodes = tonumber(ARGV[A + 2])
  local win = tonumber(ARGV[A + 3])
  local learn = tonumber(ARGV[A + 4])
  local holdMs = tonumber(ARGV[A + 5])
  local alpha = tonumber(ARGV[A + 6])
  stateTtl = tonumber(ARGV[A + 7])
  local since = tonumber(redis.call('GET', KEYS[4]))
  if not since then
    since = now
    redis.call('SET', KEYS[4], now, 'PX', stateTtl)
  else
    redis.call('PEXPIRE', KEYS[4], stateTtl)
  end
  local warm = now - since >= learn
  local bucket = math.floor(now / win)
  local frac = (now - bucket * win) / win
  for s = 0, S - 1 do
    local stateKey = KEYS[5 + L + 3 * s]
    local st = redis.call('HMGET', stateKey, 'b', 'c', 'p', 'e', 'n')
    local b = tonumber(st[1]) or bucket
    local c = tonumber(st[2]) or 0
    local p = tonumber(st[3]) or 0
    local e = tonumber(st[4]) or 0
    local n = tonumber(st[5]) or 0
    if bucket > b then
      local gap = bucket - b
      e = e + alpha * (c - e)
      if gap > 1 then e = e * (1 - alpha) ^ (gap - 1) end
      if gap == 1 then p = c else p = 0 end
      n = n + gap
      c = 0
      b = bucket
    end
    local volume = c + 1 + p * (1 - frac)
    local baseline = 0
    if n > 0 then baseline = e / (1 - (1 - alpha) ^ math.min(n, 100000)) end
    local holdKey = KEYS[6 + L + 3 * s]
    if warm and volume >= minCodes and volume >= factor * baseline
      and redis.call('EXISTS', KEYS[7 + L + 3 * s]) == 0 then
      local scope = ARGV[A + 8 + 3 * s]
      local holdId = ARGV[A + 10 + 3 * s]
      local untilMs = now + holdMs
      local v = string.format('%.1f', volume)
      local bl = string.format('%.2f', baseline)
      redis.call('HSET', holdKey, 'scope', scope, 'label', ARGV[A + 9 + 3 * s], 'since', now, 'until', untilMs,
        'volume', v, 'baseline', bl, 'refused', 1)
      redis.call('PEXPIRE', holdKey, holdMs)
      redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
      redis.call('ZADD', KEYS[2], untilMs, holdId)
      if redis.call('PTTL', KEYS[2]) < holdMs then redis.call('PEXPIRE', KEYS[2], holdMs) end
      refuse('hold-' .. scope, '')
      return {'new-hold', scope, holdId, untilMs, v, bl, now}
    end
    pending[s + 1] = {stateKey, b, c, p, e, n}
  end
end

-- 4. the code goes out: it counts everywhere
for i = 0, L - 1 do
  redis.call('ZADD', KEYS[5 + i], now, eventId)
  redis.call('PEXPIRE', KEYS[5 + i], tonumber(ARGV[7 + 4 * i]))
end
for s = 1, #pending do
  local st = pending[s]
  redis.call('HSET', st[1], 'b', st[2], 'c', st[3] + 1, 'p', tostring(st[4]), 'e', tostring(st[5]), 'n', st[6])
  redis.call('PEXPIRE', st[1], stateTtl)
end
return {'ok', now}
`;

/**
 * Lifts a hold: KEYS 1 hold, 2 lifted marker, 3 hold index; ARGV 1 hold id, 2 how long no new hold may start
 * there (the hold period: the operator said this traffic is wanted). Returns 1 if a hold was active.
 */
export const LIFT_HOLD = `
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[2]))
return existed
`;
