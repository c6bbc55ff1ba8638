import { UNPACK_ARGS } from '@byot/redis';

/**
 * One Lua script decides a hook: every velocity limit, every hold and the anomaly detector, in one round trip and
 * atomically, for all replicas. It is all-or-nothing: a refused code consumes no limit and feeds no baseline, so an
 * attacker hammering one prefix does not use up the per-user budget of the people behind it.
 *
 * KEYS  1 the event's marker (ok | rule)   2 hold index (hold id -> until)   3 refusals of this hour   4 watching-since
 *       then one key per limit (in args.limits order)
 *       then per watched scope (in args.scopes order): volume state, hold, lifted marker
 *       then the number's known marker
 * ARGV  1 the packed argument table (EvaluateArgs in guard.ts): now (0 = Redis TIME, one clock for every
 *       replica), eventId, markerTtl, refusalsTtl, limits[{mode, max, windowMs, rule, tag}], anomaly{…}, scopes[…]
 *
 * Replies: {'ok', now} · {'dup', now} · {'refused', rule, now} · {'limit', rule, count, retryAfterMs, now}
 *          · {'hold', scope, holdId, until, now} · {'new-hold', scope, holdId, until, volume, baseline, now}
 *
 * Velocity, mode 'log': a sliding-window log (the times codes went out, one packed string of at most N entries,
 * read with every other key in one MGET and written with one SET PX): exact, so `5/15m` never lets a sixth code
 * through in any 15 minutes (a fixed window lets 2N through across its edge; GCRA lets N through, then one every
 * T/N). The event's own marker (KEYS 1: 'ok' or the refusing rule) makes a duplicated hook count once.
 * Mode 'count', for large limits (a tenant's or a country's thousands a day), where a log would keep thousands of
 * members per key: the sliding-window counter (this window's count plus the previous window's, weighted by how
 * much of it still overlaps), O(1) memory and within a few percent of exact at that scale.
 *
 * Anomaly: per destination, the codes of the current window plus the previous window's share (a sliding count),
 * against an exponentially weighted mean of past windows (bias-corrected, so a young destination's baseline is
 * its own short history, not zero). Nothing is held while the tenant is still being learned. Three scopes, narrowest
 * first: a 1 000-block (prefix) and a 100 000-range on their own thresholds; while a country is anomalous, its hot
 * ranges (hotCodes in the window) are held rather than the country; the country itself only when it stays
 * anomalous by a further minCodes (the attack is not in a few ranges). ADR 0015 "Anomaly hold".
 */
export const EVALUATE = `
${UNPACK_ARGS}
local now = args.now
if now == 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local limits = args.limits
local scopes = args.scopes
local L = #limits
local S = #scopes

local a = args.anomaly
-- One read for the refused-event marker, the learning clock and every watched scope's state.
-- The number's "known" marker (it got a sign-in, unlock or reset code before) is the last key.
-- got: 1 the event's marker, 1+i limit i, 2+L the learning clock, 2+L+s scope s's state, 3+L+S known.
local knownKey = KEYS[5 + L + 3 * S]
local reads = {KEYS[1]}
for i = 1, L do reads[1 + i] = KEYS[4 + i] end
if a then
  reads[2 + L] = KEYS[4]
  for s = 1, S do reads[2 + L + s] = KEYS[4 + L + 3 * s - 2] end
  if S > 0 and args.knownTtl > 0 then reads[3 + L + S] = knownKey end
end
local got = redis.call('MGET', unpack(reads))
-- The event's marker: 'ok' once it passed (a duplicated hook passes again and counts once), else the rule that
-- refused it (refused again, even once the window has room: it is never sent later).
local before = got[1]
if before == 'ok' then return {'dup', now} end
if before then return {'refused', before, now} end
-- A known number passes holds (never the limits): it neither meets one nor starts one; it still counts.
local known = a and S > 0 and args.knownTtl > 0 and got[3 + L + S]

local function refuse(rule, tag)
  redis.call('SET', KEYS[1], rule, 'PX', args.markerTtl)
  if tag then
    redis.call('ZINCRBY', KEYS[3], 1, tag)
    if redis.call('ZCARD', KEYS[3]) > 500 then redis.call('ZREMRANGEBYRANK', KEYS[3], 0, 0) end
    redis.call('PEXPIRE', KEYS[3], args.refusalsTtl)
  end
end

-- 1. a destination on hold: one look at the hold index (hold id -> until; a lift removes the id)
if S > 0 and not known then
  local ids = {}
  for s = 1, S do ids[s] = scopes[s].holdId end
  local untils = redis.call('ZMSCORE', KEYS[2], unpack(ids))
  for s = 1, S do
    local untilMs = tonumber(untils[s])
    -- the comparison keeps one clock (the caller's) in charge, whatever Redis' expiry says
    if untilMs and untilMs > now then
      local holdKey = KEYS[4 + L + 3 * s - 1]
      -- the hold's hash expires with it; should it be gone already, the count must not outlive the hold
      if redis.call('HINCRBY', holdKey, 'refused', 1) == 1 then redis.call('PEXPIRE', holdKey, untilMs - now) end
      refuse('hold-' .. scopes[s].scope, nil)
      return {'hold', scopes[s].scope, scopes[s].holdId, untilMs, now}
    end
  end
end

-- 2. velocity limits (every one checked before any is counted)
local counters = {}
for i = 1, L do
  local limit = limits[i]
  local w = limit.windowMs
  local raw = got[1 + i]
  local count, retry
  if limit.mode == 'log' then
    -- the log: the times codes went out, oldest first, comma-separated, at most max of them within the window
    local log = {}
    if raw then
      for t in string.gmatch(raw, '%d+') do
        local ms = tonumber(t)
        if ms > now - w then log[#log + 1] = ms end
      end
    end
    counters[i] = log
    count = #log
    if count >= limit.max then
      -- the entry whose leaving brings the count under max (the oldest, unless the limit was lowered)
      retry = log[count - limit.max + 1] + w - now
    end
  else
    local bucket = math.floor(now / w)
    local b, c, p
    if raw then b, c, p = string.match(raw, '^([^:]+):([^:]+):([^:]+)$') end
    b = tonumber(b)
    c = tonumber(c) or 0
    p = tonumber(p) or 0
    if b == nil or bucket > b + 1 then
      c = 0
      p = 0
    elseif bucket == b + 1 then
      p = c
      c = 0
    end
    counters[i] = {bucket, c, p}
    count = c + p * (1 - (now - bucket * w) / w)
    if count + 1 > limit.max then retry = (bucket + 1) * w - now end
    count = math.floor(count)
  end
  if retry then
    refuse(limit.rule, limit.tag)
    return {'limit', limit.rule, count, retry, now}
  end
end

-- 3. the anomaly detector: every watched scope is computed first; at most one hold starts.
-- The learning clock starts at the tenant's first hook of any type (a sign-in teaches it as much as an enrollment
-- that the tenant is in use); only the watched types are counted and held.
local pending = {}
if a then
  local since = tonumber(got[2 + L])
  if not since then
    since = now
    redis.call('SET', KEYS[4], now, 'PX', a.stateTtl)
  end
  local warm = now - since >= a.learningMs
  local bucket = math.floor(now / a.windowMs)
  local frac = (now - bucket * a.windowMs) / a.windowMs
  local rolled = false
  local vol, base, at = {}, {}, {}
  for s = 1, S do
    local stateKey = KEYS[4 + L + 3 * s - 2]
    -- packed 'bucket:count:previous:ewma:windows' (one string: read with the MGET above, written with one SET)
    local b, c, p, e, n
    if got[2 + L + s] then
      b, c, p, e, n = string.match(got[2 + L + s], '^([^:]+):([^:]+):([^:]+):([^:]+):([^:]+)$')
    end
    b = tonumber(b) or bucket
    c = tonumber(c) or 0
    p = tonumber(p) or 0
    e = tonumber(e) or 0
    n = tonumber(n) or 0
    if bucket > b then
      -- The baseline takes a window only once it has left the sliding count (one window late): the window an
      -- attack starts in must not raise the very baseline it is measured against.
      local gap = bucket - b
      e = e + a.alpha * (p - e)
      if gap == 1 then
        p = c
      else
        e = e + a.alpha * (c - e)
        if gap > 2 then e = e * (1 - a.alpha) ^ (gap - 2) end
        p = 0
      end
      n = n + gap
      c = 0
      b = bucket
      rolled = true
    end
    vol[s] = c + 1 + p * (1 - frac)
    base[s] = 0
    if n > 0 then base[s] = e / (1 - (1 - a.alpha) ^ math.min(n, 100000)) end
    at[scopes[s].scope] = s
    pending[s] = {stateKey, b, c, p, e, n}
  end
  if warm and S > 0 and not known then
    -- anomalous: >= minCodes and >= factor x its own baseline, plus margin codes
    local function anomalous(s, margin)
      return s and vol[s] >= math.max(a.minCodes, a.factor * base[s]) + margin
    end
    local function free(s) return redis.call('EXISTS', KEYS[4 + L + 3 * s]) == 0 end
    local P, R, C = at.prefix, at.range, at.country
    local held
    if anomalous(P, 0) and free(P) then held = P end
    -- A range is held on its own thresholds, or, while its country is anomalous, once it is hot: hotCodes in the
    -- window and factor x its own baseline (the leased ranges a pumping attack spreads over).
    if not held and R and (anomalous(R, 0) or (anomalous(C, 0) and vol[R] >= a.hotCodes
        and vol[R] >= a.factor * base[R])) and free(R) then held = R end
    -- The whole country only when holding its hot ranges is not enough: with ranges watched it must be anomalous
    -- by minCodes more than its threshold (what the range holds may have let through before they started).
    if not held and anomalous(C, R and a.minCodes or 0) and free(C) then held = C end
    if held then
      local holdKey = KEYS[4 + L + 3 * held - 1]
      local scope = scopes[held]
      local untilMs = now + a.holdMs
      local v = string.format('%.1f', vol[held])
      local bl = string.format('%.2f', base[held])
      redis.call('HSET', holdKey, 'scope', scope.scope, 'label', scope.label, 'since', now, 'until', untilMs,
        'volume', v, 'baseline', bl, 'refused', 1)
      redis.call('PEXPIRE', holdKey, a.holdMs)
      redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
      redis.call('ZADD', KEYS[2], untilMs, scope.holdId)
      if redis.call('PTTL', KEYS[2]) < a.holdMs then redis.call('PEXPIRE', KEYS[2], a.holdMs) end
      refuse('hold-' .. scope.scope, nil)
      return {'new-hold', scope.scope, scope.holdId, untilMs, v, bl, now}
    end
  end
  -- the learning clock lives as long as the detector's state does (refreshed once a window, not per code)
  if rolled then redis.call('PEXPIRE', KEYS[4], a.stateTtl) end
end

-- 4. the code goes out: it counts everywhere
redis.call('SET', KEYS[1], 'ok', 'PX', args.markerTtl)
for i = 1, L do
  local key = KEYS[4 + i]
  local limit = limits[i]
  local ctr = counters[i]
  if limit.mode == 'log' then
    -- keep time order (replicas' clocks are Redis' one; a test's may step back), and only the newest max
    local k = #ctr + 1
    while k > 1 and ctr[k - 1] > now do
      ctr[k] = ctr[k - 1]
      k = k - 1
    end
    ctr[k] = now
    local from = math.max(1, #ctr - limit.max + 1)
    local out = {}
    for j = from, #ctr do out[#out + 1] = string.format('%d', ctr[j]) end
    redis.call('SET', key, table.concat(out, ','), 'PX', limit.windowMs)
  else
    redis.call('SET', key, string.format('%d:%d:%d', ctr[1], ctr[2] + 1, ctr[3]), 'PX', 2 * limit.windowMs)
  end
end
if args.markKnown then redis.call('SET', knownKey, '1', 'PX', args.knownTtl) end
for s = 1, #pending do
  local st = pending[s]
  redis.call('SET', st[1], string.format('%d:%d:%.17g:%.17g:%d', st[2], st[3] + 1, st[4], st[5], st[6]),
    'PX', a.stateTtl)
end
return {'ok', now}
`;

/**
 * Lifts a hold: KEYS 1 hold, 2 lifted marker, 3 hold index; args: holdId, and how long no new hold may start there
 * (the hold period: the operator said this traffic is wanted). Returns 1 if a hold was active.
 */
export const LIFT_HOLD = `
${UNPACK_ARGS}
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], args.holdId)
redis.call('SET', KEYS[2], '1', 'PX', args.quietMs)
return existed
`;
