-- A crawler's pass over the site for bench/pages.sh: every address in the
-- file PATHS (one per line, already shuffled) asked once, the wrk threads
-- (THREADS of them) taking turns down the list. A thread stops once its
-- share is answered; until then a connection with nothing left to ask
-- asks its thread's first address again (a page now cached). The script
-- that runs wrk times the pass by the server's own count of answers.
-- Counts the answers by status, as many as the list (the repeats come last).
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
init = function(args)
  paths = {}
  for line in io.lines(os.getenv("PATHS")) do
    table.insert(paths, line)
  end
  local nthreads = tonumber(os.getenv("THREADS") or "2")
  mine = {}
  for i = id, #paths, nthreads do
    table.insert(mine, paths[i])
  end
  asked, answered, ok, other = 0, 0, 0, 0
end
request = function()
  asked = asked + 1
  return wrk.format("GET", mine[asked] or mine[1], { ["Accept-Encoding"] = "gzip" })
end
response = function(status, headers, body)
  answered = answered + 1
  if answered <= #mine then
    if status == 200 then ok = ok + 1 else other = other + 1 end
  end
  if answered >= #mine then
    wrk.thread:stop()
  end
end
done = function(summary, latency, requests)
  local o, x = 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok")
    x = x + t:get("other")
  end
  io.write(string.format("crawl: %d ok %d other\n", o, x))
end
