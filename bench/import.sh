#!/usr/bin/env bash
# Import benchmark: `kiosque import wordpress` on a generated WordPress
# export of N French news posts (default 20,000) with threaded comments,
# photos in an uploads folder, sections under parents, tags, drafts and
# pages (`examples/bench_wxr.rs`). Prints posts per second and peak memory
# for a first import into an empty site and for the same file again
# (nothing to change: the idempotent path), then the first start of the
# server on the imported site.
#
#   bench/import.sh                          # 20,000 posts, SQLite
#   KIOSQUE_BENCH_POSTS=100000 bench/import.sh
#   KIOSQUE_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/import.sh
#     (an empty PostgreSQL database, created beforehand)
set -euo pipefail
cd "$(dirname "$0")/.."

posts="${KIOSQUE_BENCH_POSTS:-20000}"
database_url="${KIOSQUE_BENCH_DATABASE_URL:-}"

if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null
  else
    echo "bench/import.sh needs Debian's time: apt-get install time" >&2
    exit 1
  fi
fi

echo "building (release)…" >&2
cargo build --release --quiet -p kiosque --bin kiosque --example bench_wxr
kiosque="$PWD/target/release/kiosque"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
target/release/examples/bench_wxr "$work" "$posts" 2>/dev/null
db_args=()
[ -n "$database_url" ] && db_args=(--database-url "$database_url")
"$kiosque" --data "$work/site" "${db_args[@]}" init --site-name "Lagune Matin" \
  --time-zone Africa/Abidjan >/dev/null

run() {
  /usr/bin/time -f "%e %M" -o "$work/time" \
    "$kiosque" --data "$work/site" "${db_args[@]}" import wordpress "$work/export.xml" \
    --uploads "$work/uploads" > "$work/report"
  read -r seconds kb < "$work/time"
  printf '%-26s %8s %10.1f %10.0f %12.1f\n' "$1" "$posts" "$seconds" \
    "$(echo "$posts / $seconds" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
}

echo "file: $(du -h "$work/export.xml" | cut -f1) of WXR, $(find "$work/uploads" -type f | wc -l) photos; database: ${database_url:-SQLite}"
printf '%-26s %8s %10s %10s %12s\n' "import" "posts" "seconds" "posts/s" "peak RSS MB"
run "first (empty site)"
cat "$work/report"
run "again (nothing changed)"

# The first start after an import builds the search index.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
t0=$(date +%s%3N)
"$kiosque" --data "$work/site" "${db_args[@]}" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.1; done
echo "first start of the server on the imported site: $(( $(date +%s%3N) - t0 )) ms"
kill "$pid"
