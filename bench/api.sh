#!/usr/bin/env bash
# API benchmark: the list endpoint, a page of 20 articles as JSON, served by
# Kiosque from its page cache (the bare address) and rendered (with a query
# string, and with every embed), against nginx serving the same JSON as a
# precompressed static file, with the same load generator (wrk), in the same
# run.
#
#   bench/api.sh                            # 10,000 articles
#   KIOSQUE_BENCH_ARTICLES=100000 bench/api.sh
#   KIOSQUE_BENCH_SECONDS=20 bench/api.sh   # per measurement (default 10)
#
# Prints requests/s, p50, p99, non-2xx answers and server memory, and the
# ratio Kiosque/nginx. wrk counts every answer that is not a 2xx: a run with
# any is a run of something else than meant.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

articles="${KIOSQUE_BENCH_ARTICLES:-10000}"
seconds="${KIOSQUE_BENCH_SECONDS:-10}"

need_load_tools

echo "building (release)…" >&2
cargo build --release --quiet -p kiosque --bin kiosque --example bench_site
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
echo "generating $articles articles…" >&2
target/release/examples/bench_site "$data" "$articles" "$work/hugo" >/dev/null

"$kiosque" --data "$data" serve --listen "127.0.0.1:$kport" >"$work/kiosque.log" 2>&1 &
kiosque_pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$kport/api/v1/site"; do
  kill -0 "$kiosque_pid" 2>/dev/null || { cat "$work/kiosque.log" >&2; exit 1; }
  sleep 0.05
done

list=/api/v1/articles
mkdir -p "$work/www/api/v1"
curl -sf "http://127.0.0.1:$kport$list" > "$work/www$list"
gzip -9 -k "$work/www$list"
count=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["items"]))' "$work/www$list")
[ "$count" = 20 ] || { echo "the list holds $count articles, not 20" >&2; exit 1; }
json_bytes=$(stat -c %s "$work/www$list")
gz_bytes=$(stat -c %s "$work/www$list.gz")
start_nginx "$list"

echo
echo "$articles articles; GET $list: 20 articles, $json_bytes bytes of JSON, $gz_bytes gzip"
echo
printf '%-36s %6s %12s %9s %9s %7s %9s\n' server conns "requests/s" "p50 ms" "p99 ms" non-2xx "RSS MB"
row() {
  local name=$1 url=$2 conns=$3 pid_rss=$4 rps p50 p99 err
  read -r rps p50 p99 err < <(measure "$url" "$conns")
  printf '%-36s %6s %12s %9s %9s %7s %9.1f\n' "$name" "$conns" "$rps" "$p50" "$p99" "$err" \
    "$(echo "$pid_rss / 1024" | bc -l)"
  last_rps=$rps
}
nginx_pids() { cat "$work/nginx.pid"; pgrep -P "$(cat "$work/nginx.pid")"; }
row "nginx (static JSON, gzip_static)" "http://127.0.0.1:$nport$list" 64 "$(rss_kb $(nginx_pids))"
nginx_rps=$last_rps
row "kiosque (page cache)" "http://127.0.0.1:$kport$list" 64 "$(rss_kb "$kiosque_pid")"
cached_rps=$last_rps
row "kiosque (?limit=20, renders)" "http://127.0.0.1:$kport$list?limit=20" 64 "$(rss_kb "$kiosque_pid")"
rendered_rps=$last_rps
row "kiosque (every embed, renders)" "http://127.0.0.1:$kport$list?limit=20&embed=author,section,tags,photo" 64 "$(rss_kb "$kiosque_pid")"
echo
echo "ratio kiosque/nginx: cached $(echo "scale=2; $cached_rps / $nginx_rps" | bc -l), rendered $(echo "scale=3; $rendered_rps / $nginx_rps" | bc -l)"
