-- Rotates Authorization headers (N users) and paths; optionally makes every URL unique (cold start).
-- Usage: wrk ... -s rotate.lua -- <salt|0> <path,path,...> <token,token,...>
-- salt "0": plain rotation (hits); any other salt: a unique "nonce=<salt>-<thread>-<n>" per request.
-- Prints one line "BENCH_JSON {...}" with totals and latency percentiles (microseconds).

local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function split(s)
  local out = {}
  for item in string.gmatch(s, "[^,]+") do table.insert(out, item) end
  return out
end

function init(args)
  salt = args[1]
  unique = salt ~= "0"
  paths = split(args[2])
  headers_by_user = {}
  for _, token in ipairs(split(args[3])) do
    table.insert(headers_by_user, { ["Authorization"] = "Bearer " .. token })
  end
  i = (tid - 1) * 7919
end

function request()
  local n = #headers_by_user
  local user = (i % n) + 1
  local path = paths[(math.floor(i / n) % #paths) + 1]
  if unique then
    local sep = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. sep .. "nonce=" .. salt .. "-" .. tid .. "-" .. i
  end
  i = i + 1
  return wrk.format("GET", path, headers_by_user[user])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
