-- wrk script for bench/run.py: POST one body, check every answer, print one JSON summary line.
-- usage: wrk ... -s bench/check.lua URL -- BODY_FILE KIND KEY
--   KIND: anthropic-json | anthropic-sse | openai-json | openai-sse (what a good answer holds)
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local f = assert(io.open(args[1], "rb"))
   local payload = f:read("*a")
   f:close()
   kind = args[2]
   wrk.method = "POST"
   wrk.body = payload
   wrk.headers["content-type"] = "application/json"
   wrk.headers["anthropic-version"] = "2023-06-01"
   wrk.headers["authorization"] = "Bearer " .. (args[3] or "")
   wrk.headers["x-api-key"] = args[3] or ""
   prepared = wrk.format()
   good, bad_status, bad_body = 0, 0, 0
end

function request()
   return prepared
end

local function has(body, text)
   return body:find(text, 1, true) ~= nil
end

local function looks_right(body)
   if kind == "anthropic-json" then
      return has(body, '"type":"message"') and has(body, '"usage"') and has(body, '"text"')
   elseif kind == "anthropic-sse" then
      return has(body, "event: message_start") and has(body, "content_block_delta") and has(body, "event: message_stop")
   elseif kind == "openai-sse" then
      return has(body, "chat.completion.chunk") and has(body, "[DONE]")
   end
   return has(body, '"choices"')
end

function response(status, headers, body)
   if status ~= 200 then
      bad_status = bad_status + 1
   elseif looks_right(body) then
      good = good + 1
   else
      bad_body = bad_body + 1
   end
end

function done(summary, latency, requests)
   local g, s, b = 0, 0, 0
   for _, t in ipairs(threads) do
      g = g + t:get("good")
      s = s + t:get("bad_status")
      b = b + t:get("bad_body")
   end
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests":%d,"seconds":%.3f,"good":%d,"bad_status":%d,"bad_body":%d,"socket_errors":%d,' ..
      '"p50_ms":%.3f,"p99_ms":%.3f}\n',
      summary.requests, summary.duration / 1e6, g, s, b, e.connect + e.read + e.write + e.timeout,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
