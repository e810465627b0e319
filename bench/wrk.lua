-- Load script for bench/load.py (wrk 4.x). The mode follows "--" on wrk's command line:
--   get                            GET the URL's path; 200 is the expected answer
--   sign <sessions> <run-id>       POST the sign form to the URL's path with a new email
--                                  address each time; 303 to .../thanks is expected
--   confirm <sessions> <links> <T>  POST each confirmation link (one per line) once, T
--                                  being wrk's thread count; 200 is expected
-- <sessions> has one line per client session: "Cookie header<TAB>form fields" (the signed
-- form timestamp and the answers, already URL-encoded), collected by load.py.
-- At the end one line starting "BENCH-JSON " carries the figures back to load.py.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    lines[#lines + 1] = line
  end
  return lines
end

function init(args)
  mode = args[1] or "get"
  ok, unexpected, counter = 0, 0, 0
  statuses = ""
  if mode == "get" then
    return
  end
  sessions = {}
  for _, line in ipairs(read_lines(args[2])) do
    local cookie, fields = line:match("^([^\t]*)\t(.*)$")
    sessions[#sessions + 1] = { cookie = cookie, fields = fields }
  end
  if mode == "sign" then
    run_id = args[3]
  else
    links = read_lines(args[3])
    nthreads = tonumber(args[4])
  end
end

function request()
  if mode == "get" then
    return wrk.format("GET", wrk.path)
  end
  counter = counter + 1
  local session = sessions[(counter + id) % #sessions + 1]
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = session.cookie,
  }
  if mode == "sign" then
    local email = "bench-" .. run_id .. "-" .. id .. "-" .. counter .. "%40example.net"
    return wrk.format("POST", wrk.path, headers, session.fields .. "&email=" .. email)
  end
  -- confirm: thread `id` takes links id+1, id+1+T, id+1+2T, ...
  local index = (counter - 1) * nthreads + id + 1
  local link = links[(index - 1) % #links + 1]
  return wrk.format("POST", link, headers, session.fields)
end

function response(status, headers, body)
  local good
  if mode == "sign" then
    local location = headers["Location"] or headers["location"] or ""
    good = status == 303 and location:find("/thanks$") ~= nil
  else
    good = status == 200
  end
  if good then
    ok = ok + 1
  else
    unexpected = unexpected + 1
    if #statuses < 200 then
      statuses = statuses .. status .. " "
    end
  end
end

function done(summary, latency, requests)
  local total_ok, total_unexpected, seen = 0, 0, ""
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_unexpected = total_unexpected + thread:get("unexpected")
    seen = seen .. thread:get("statuses")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %.0f, "duration_us": %.0f, "p50_us": %.0f, "p99_us": %.0f, '
      .. '"ok": %.0f, "unexpected": %.0f, "socket_errors": %.0f, "statuses": "%s"}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    total_ok, total_unexpected, e.connect + e.read + e.write + e.timeout, seen
  ))
end
