-- Comment posts for bench/pages.sh: each a new comment from its own
-- address (X-Forwarded-For: the server is set behind_proxy), to the
-- article at PAGE, each connection waiting GAP_MS between posts (0: as
-- fast as answered). RUN keeps one run's addresses apart from another's
-- (the second comment from one address within seconds is a flood).
-- Counts the answers by status: 303 acknowledged (stored), 503 refused
-- (too many at once), anything else an error.
local page = os.getenv("PAGE")
local gap = tonumber(os.getenv("GAP_MS") or "0")
local run = tonumber(os.getenv("RUN") or "0")
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
init = function(args)
  math.randomseed(os.time() * 100 + id)
  acknowledged, refused, other = 0, 0, 0
end
local n = 0
delay = function()
  return gap
end
request = function()
  n = n + 1
  local k = run * 2000000 + n * 8 + id
  local ip = "10." .. math.floor(k / 65536) % 256 .. "." .. math.floor(k / 256) % 256 .. "." .. k % 256
  local body = "comment=Un+avis+de+lecteur+num%C3%A9ro+" .. run .. "-" .. id .. "-" .. n
    .. "&name=Lecteur&email=lecteur" .. math.random(1, 1000000000) .. "%40example.org"
  return wrk.format("POST", page .. "comments", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Forwarded-For"] = ip,
  }, body)
end
response = function(status, headers, body)
  if status == 303 then acknowledged = acknowledged + 1
  elseif status == 503 then refused = refused + 1
  else other = other + 1 end
end
done = function(summary, latency, requests)
  local a, r, o = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("acknowledged")
    r = r + t:get("refused")
    o = o + t:get("other")
  end
  io.write(string.format("posts: %d acknowledged %d refused %d other\n", a, r, o))
end
