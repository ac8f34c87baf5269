-- wrk script: POST /v1/uploads for a rotating set of users, one bearer token
-- per user read from a file (one token a line), and a count of responses that
-- are not 201 Created, the status of that route.
--   wrk -t2 -c16 -d10s --latency -s bench/v1_uploads.lua http://127.0.0.1:8180 -- TOKENS
-- Prints "CHECK total=N unexpected=N socket_errors=N" at the end.

local all_threads = {}

function setup(thread)
  thread:set("thread_number", #all_threads + 1)
  table.insert(all_threads, thread)
end

local prepared = {}
local position = 0
unexpected = 0

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open the token file " .. tostring(args[1]))
  for token in file:lines() do
    if token ~= "" then
      local user = #prepared + 1
      local body = string.format(
        '{"name":"attachments/photo-%d.jpg","content_type":"image/jpeg","size":4096}', user)
      prepared[user] = wrk.format("POST", "/v1/uploads", {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
      }, body)
    end
  end
  file:close()
  assert(#prepared > 0, "the token file has no tokens")
  -- The threads start at different users, so they do not send the same
  -- token at the same moment.
  position = ((thread_number or 1) * 53) % #prepared
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function response(status, headers, body)
  if status ~= 201 then
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
