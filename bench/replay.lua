-- wrk script: sends one request described in a file again and again, and
-- counts responses whose status is not the expected one. The file has the
-- method, the target (path and query), the expected status and the body size
-- in bytes on its first four lines, then one "Name: value" header a line. The
-- body is that many 'x' bytes.
--   wrk -t2 -c16 -d5s --latency -s bench/replay.lua http://127.0.0.1:8190 -- SPEC
-- Prints "CHECK total=N unexpected=N socket_errors=N" at the end.

local all_threads = {}

function setup(thread)
  table.insert(all_threads, thread)
end

local prepared
local expected_status
unexpected = 0

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open the request file " .. tostring(args[1]))
  local method = file:read("l")
  local target = file:read("l")
  expected_status = tonumber(file:read("l"))
  local body_bytes = tonumber(file:read("l"))
  local headers = {}
  for line in file:lines() do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then
      headers[name] = value
    end
  end
  file:close()
  local body = nil
  if body_bytes > 0 then
    body = string.rep("x", body_bytes)
  end
  prepared = wrk.format(method, target, headers, body)
end

function request()
  return prepared
end

function response(status, headers, body)
  if status ~= expected_status then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local total_unexpected = 0
  for _, thread in ipairs(all_threads) do
    total_unexpected = total_unexpected + (thread:get("unexpected") or 0)
  end
  local errors = summary.errors
  io.write(string.format("CHECK total=%d unexpected=%d socket_errors=%d\n", summary.requests,
    total_unexpected, errors.connect + errors.read + errors.write + errors.timeout))
end
