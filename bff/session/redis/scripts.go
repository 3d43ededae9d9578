package redis

import goredis "github.com/redis/go-redis/v9"

// Each script touches the record and its index sets atomically: a login
// can never be missed by a back-channel logout racing it. KEYS[1] is the
// record, KEYS[2..] the subject and IdP-session index sets.
//
// Index sets live as long as their longest-lived member: PEXPIREAT sets the
// first TTL, then GT only ever extends it.
const indexLua = `
local function index(member, expireAt)
  for i = 2, #KEYS do
    redis.call('SADD', KEYS[i], member)
    if redis.call('PTTL', KEYS[i]) == -1 then
      redis.call('PEXPIREAT', KEYS[i], expireAt)
    else
      redis.call('PEXPIREAT', KEYS[i], expireAt, 'GT')
    end
  end
end
`

// createScript: ARGV = encoded record, expire-at ms, index member.
// Returns 1 when created, 0 when the key exists.
var createScript = goredis.NewScript(indexLua + `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', '1', 'r', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
index(ARGV[3], ARGV[2])
return 1
`)

// updateScript: ARGV = encoded record, expire-at ms, index member, expected version.
// Returns the new version, 0 on a version conflict, -1 when the record is gone.
var updateScript = goredis.NewScript(indexLua + `
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[4] then return 0 end
local nv = tonumber(v) + 1
redis.call('HSET', KEYS[1], 'v', tostring(nv), 'r', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
index(ARGV[3], ARGV[2])
return nv
`)

// deleteIndexedScript: KEYS[1] = index set; ARGV[1] = record key prefix.
// Deletes every record named in the set and the set; returns how many
// records existed.
var deleteIndexedScript = goredis.NewScript(`
local n = 0
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  n = n + redis.call('DEL', ARGV[1] .. m)
end
redis.call('DEL', KEYS[1])
return n
`)

// releaseLeaseScript: KEYS[1] = lease; ARGV[1] = the holder's token.
// Deletes the lease only while that holder still has it; returns 1 when
// it did.
var releaseLeaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)
