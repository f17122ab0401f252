-- wrk script: POST /v1/search with the bodies of a file, one JSON per line,
-- in turn (each thread starts at its own offset). Non-2xx answers are
-- counted by wrk itself ("Non-2xx or 3xx responses").
local bodies = {}
local next_i = 1
function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  next_i = (tonumber(args[2]) or 0) % #bodies + 1
end
function request()
  local body = bodies[next_i]
  next_i = next_i % #bodies + 1
  return wrk.format("POST", "/v1/search", {["Content-Type"] = "application/json"}, body)
end
