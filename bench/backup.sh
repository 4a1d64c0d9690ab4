#!/usr/bin/env bash
# Backup benchmark: `kiosque backup` and `kiosque restore` on a site of N
# imported WordPress posts (default 20,000, with 40,000 comments and their
# photos; `examples/bench_wxr.rs` + `kiosque import`), against the
# databases' own tools measured in the same run on the same data:
#
# - SQLite: `sqlite3 .backup` (a page-by-page copy, the fastest consistent
#   copy there is) then `tar` of the copy and the media folder; restore is
#   untarring it;
# - PostgreSQL: `pg_dump -Fc` (+ `tar` of the media) and `pg_restore` into
#   an empty database.
#
# Kiosque does more than either (one portable file that restores into the
# other database kind, checks, the search index rebuilt): the ratios say
# what that costs. Also prints peak memory and the file sizes.
#
#   bench/backup.sh                          # 20,000 posts, SQLite
#   KIOSQUE_BENCH_POSTS=5000 bench/backup.sh
#   KIOSQUE_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432 bench/backup.sh
#     (also restores into PostgreSQL and measures pg_dump; creates and drops
#     the databases kiosque_bench_a and kiosque_bench_b)
set -euo pipefail
cd "$(dirname "$0")/.."

posts="${KIOSQUE_BENCH_POSTS:-20000}"
pg="${KIOSQUE_BENCH_POSTGRES:-}"

for tool in /usr/bin/time sqlite3; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench/backup.sh needs Debian's time and sqlite3" >&2
    exit 1
  fi
done

echo "building (release)…" >&2
cargo build --release --quiet -p kiosque --bin kiosque --example bench_wxr
kiosque="$PWD/target/release/kiosque"

work="$(mktemp -d)"
cleanup() {
  rm -rf "$work"
  if [ -n "$pg" ]; then
    for db in kiosque_bench_a kiosque_bench_b; do
      psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
    done
  fi
}
trap cleanup EXIT

echo "making a site of $posts posts…" >&2
target/release/examples/bench_wxr "$work" "$posts" 2>/dev/null
"$kiosque" --data "$work/site" init --site-name "Lagune Matin" --time-zone Africa/Abidjan >/dev/null
"$kiosque" --data "$work/site" import wordpress "$work/export.xml" --uploads "$work/uploads" >/dev/null

# Runs a command, prints "name seconds peakMB [size MB of a file]".
measure() {
  local name="$1" file="$2"
  shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
    cat "$work/err" >&2
    exit 1
  }
  read -r seconds kb < "$work/time"
  local size=""
  [ -n "$file" ] && size=$(echo "$(stat -c %s "$file") / 1000000" | bc -l)
  printf '%-44s %9.2f %10.1f %10s\n' "$name" "$seconds" "$(echo "$kb / 1024" | bc -l)" \
    "${size:+$(printf '%.1f' "$size")}"
  echo "$seconds" > "$work/last"
}
ratio() { echo "scale=2; $1 / $2" | bc -l; }

printf '%-44s %9s %10s %10s\n' "$posts posts" "seconds" "peak MB" "file MB"

measure "kiosque backup (SQLite)" "$work/k.tar" \
  "$kiosque" --data "$work/site" backup "$work/k.tar"
k_backup=$(cat "$work/last")
measure "peer: sqlite3 .backup + tar with media" "$work/p.tar" \
  sh -c "sqlite3 '$work/site/kiosque.db' \".backup '$work/copy.db'\" && tar -cf '$work/p.tar' -C '$work' copy.db -C '$work/site' media"
p_backup=$(cat "$work/last")

measure "kiosque restore (into SQLite, + search index)" "" \
  "$kiosque" --data "$work/restored" restore "$work/k.tar"
k_restore=$(cat "$work/last")
mkdir -p "$work/untar"
measure "peer: untar the copy and media" "" tar -xf "$work/p.tar" -C "$work/untar"
p_restore=$(cat "$work/last")
echo "SQLite: backup $(ratio "$k_backup" "$p_backup")× the peer's time, restore $(ratio "$k_restore" "$p_restore")×"

if [ -n "$pg" ]; then
  for db in kiosque_bench_a kiosque_bench_b; do
    psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  done
  measure "kiosque restore (SQLite file into PostgreSQL)" "" \
    "$kiosque" --data "$work/pg" --database-url "$pg/kiosque_bench_a" restore "$work/k.tar"
  measure "kiosque backup (PostgreSQL)" "$work/k-pg.tar" \
    "$kiosque" --data "$work/pg" --database-url "$pg/kiosque_bench_a" backup "$work/k-pg.tar"
  k_backup=$(cat "$work/last")
  measure "peer: pg_dump -Fc + tar with media" "$work/p-pg.tar" \
    sh -c "pg_dump -Fc -f '$work/dump' '$pg/kiosque_bench_a' && tar -cf '$work/p-pg.tar' -C '$work' dump -C '$work/pg' media"
  p_backup=$(cat "$work/last")
  rm -rf "$work/pg-untar" && mkdir -p "$work/pg-untar"
  measure "peer: untar + pg_restore" "" \
    sh -c "tar -xf '$work/p-pg.tar' -C '$work/pg-untar' && pg_restore -d '$pg/kiosque_bench_b' '$work/pg-untar/dump'"
  p_restore=$(cat "$work/last")
  psql -q "$pg/postgres" -c "DROP DATABASE kiosque_bench_b" -c "CREATE DATABASE kiosque_bench_b"
  measure "kiosque restore (PostgreSQL file into PostgreSQL)" "" \
    "$kiosque" --data "$work/pg2" --database-url "$pg/kiosque_bench_b" restore "$work/k-pg.tar"
  k_restore=$(cat "$work/last")
  echo "PostgreSQL: backup $(ratio "$k_backup" "$p_backup")× pg_dump's time, restore $(ratio "$k_restore" "$p_restore")× pg_restore's"
fi
