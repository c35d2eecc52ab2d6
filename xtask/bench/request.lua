-- wrk script for `cargo xtask bench`: sends one fixed request over and over and prints the
-- figures as one JSON line, which the bench reads.
--
-- wrk -s request.lua URL -- METHOD BODY_FILE [HEADER ...]
--   METHOD     GET or POST
--   BODY_FILE  file holding the request body, or - for none
--   HEADER     "Name: value", as many as needed

function init(args)
  local method = args[1]
  local body = nil
  if args[2] ~= nil and args[2] ~= "-" then
    local file = assert(io.open(args[2], "rb"))
    body = file:read("*a")
    file:close()
  end
  local headers = {}
  for i = 3, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  request_bytes = wrk.format(method, nil, headers, body)
end

function request()
  return request_bytes
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%.1f,"p99_us":%.1f,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
