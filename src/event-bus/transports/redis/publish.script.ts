/**
 * Appends an envelope to a channel stream with approximate trimming, and keeps the channel's
 * id list and id index in step with the stream, so a message_id cursor resolves in O(1) and the
 * index never outgrows the stream.
 *
 * KEYS: stream, id list, id index. ARGV: max length, message_id, envelope JSON.
 * Returns the new entry id.
 */
export const PUBLISH_SCRIPT = `
local entry_id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'envelope', ARGV[3])
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
