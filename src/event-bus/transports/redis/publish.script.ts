/**
 * Appends an envelope to a channel stream with approximate trimming, and keeps the channel's
 * id list and id index in step with the stream, so a message_id cursor resolves in O(1) and the
 * index never outgrows the stream.
 *
 * Entry ids come from one clock hash shared by every channel: milliseconds from Redis's TIME
 * (never going back) and a sequence within the millisecond. Ids are thus unique and ordered
 * across all channel streams, so history merges channels in publish order even within one
 * millisecond. Should a stream already hold a later id (the clock hash was deleted), Redis
 * picks the id itself.
 *
 * KEYS: stream, id list, id index, clock. ARGV: max length, message_id, envelope JSON.
 * Returns the new entry id.
 */
export const PUBLISH_SCRIPT = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local last_ms = tonumber(redis.call('HGET', KEYS[4], 'ms') or '0')
local seq = 0
if ms <= last_ms then
  ms = last_ms
  seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
else
  redis.call('HSET', KEYS[4], 'ms', string.format('%d', ms), 'seq', 0)
end

local requested_id = string.format('%d-%d', ms, seq)
local ok, entry_id = pcall(redis.call, 'XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], requested_id, 'envelope', ARGV[3])
if not ok then
  entry_id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'envelope', ARGV[3])
end

redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[2], entry_id)
local excess = redis.call('LLEN', KEYS[2]) - redis.call('XLEN', KEYS[1])
if excess > 0 then
  local evicted = redis.call('LPOP', KEYS[2], excess)
  for _, message_id in ipairs(evicted) do
    redis.call('HDEL', KEYS[3], message_id)
  end
end
return entry_id
`;
