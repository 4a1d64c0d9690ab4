#!/usr/bin/env bash
# Newsletter benchmark: an alert to KIOSQUE_BENCH_RECIPIENTS readers (20,000
# by default) through a local SMTP server — PyPI's aiosmtpd, the tests'
# server, logging every message — measured against a peer in the same run:
# Python's smtplib sending as many messages of the same size to the same
# server on as many connections (what that server takes at most).
#
#   bench/newsletter.sh                               # release build
#   KIOSQUE_BENCH_RECIPIENTS=5000 bench/newsletter.sh
#   KIOSQUE_BENCH_PROFILE=debug bench/newsletter.sh   # a quick smoke run
#
# Kiosque's side is `kiosque newsletter alert` on SQLite: it claims
# deliveries in batches, draws each reader's message (own links, list
# headers), commits each as sent before the final dot, and talks SMTP on
# two reused connections. Prints messages/s for both, the ratio, how many
# messages the server logged (each reader once), and Kiosque's peak memory
# (VmHWM) with a quarter of the readers and with all of them: flat memory
# means the two are close.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

recipients="${KIOSQUE_BENCH_RECIPIENTS:-20000}"
profile="${KIOSQUE_BENCH_PROFILE:-release}"
python="${KIOSQUE_BENCH_PYTHON:-.ci/tools/venv/bin/python}"
"$python" -c 'import aiosmtpd' 2>/dev/null || {
  echo "needs a Python with aiosmtpd: python3 -m venv .ci/tools/venv && .ci/tools/venv/bin/pip install aiosmtpd==1.4.6" >&2
  exit 1
}

if [ "$profile" = release ]; then
  echo "building (release)…" >&2
  cargo build --release --quiet -p kiosque --bin kiosque
  kiosque="$PWD/target/release/kiosque"
else
  cargo build --quiet -p kiosque --bin kiosque
  kiosque="$PWD/target/debug/kiosque"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_server() { # $1: log file; sets server_pid and port
  "$python" crates/testkit/src/mail_server.py "$1" > "$work/port" &
  server_pid=$!
  for _ in $(seq 1 50); do [ -s "$work/port" ] && break; sleep 0.1; done
  port="$(head -n1 "$work/port")"
}
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

# Runs Kiosque's send to $1 readers; prints "seconds peak_kb logged".
kiosque_send() {
  local n="$1" data="$work/data-$1" log="$work/kiosque-$1.jsonl"
  start_server "$log"
  "$kiosque" --data "$data" init --site-name "Banc d'essai" --language fr \
    --base-url https://news.example.org >/dev/null 2>&1
  printf '[smtp]\nhost = "127.0.0.1"\nport = %s\nsecurity = "none"\nfrom = "Alertes <alertes@news.example.org>"\n' \
    "$port" > "$data/kiosque.toml"
  mkdir -p "$work/src-$n"
  printf -- '---\ntitle: "Le pont est rouvert à la circulation"\nauthor: "La rédaction"\ndate: 2026-01-05T07:00:00Z\ncategory: "Société"\nslug: "pont-rouvert"\n---\nLe pont a rouvert ce matin après trois semaines de travaux.\n' \
    > "$work/src-$n/pont.md"
  "$kiosque" --data "$data" publish "$work/src-$n/pont.md" >/dev/null
  local list
  list="$("$kiosque" --data "$data" newsletter create-list --name Alertes --kind alerts)"
  { echo "Email Address"; for i in $(seq 1 "$n"); do echo "lecteur$i@example.org"; done; } > "$work/readers-$n.csv"
  "$kiosque" --data "$data" newsletter import "$work/readers-$n.csv" --list "$list" \
    --consent "Banc d'essai" >/dev/null
  local started ended peak=0
  started="$(now_ms)"
  "$kiosque" --data "$data" newsletter alert pont-rouvert --list "$list" > "$work/out-$n" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    local hwm
    hwm="$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
    [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak="$hwm"
    sleep 0.05
  done
  wait "$pid"
  ended="$(now_ms)"
  stop_server
  local logged distinct
  logged="$(wc -l < "$log")"
  distinct="$("$python" -c 'import json,sys; print(len({tuple(json.loads(l)["to"]) for l in open(sys.argv[1])}))' "$log")"
  echo "$(( ended - started )) $peak $logged $distinct"
}

# The peer: smtplib, 2 connections, messages the size of Kiosque's.
peer_send() { # $1: readers, $2: message bytes; prints milliseconds
  local n="$1" size="$2" log="$work/peer.jsonl"
  start_server "$log"
  local ms
  ms="$("$python" - "$port" "$n" "$size" <<'PY'
import smtplib, sys, threading, time
port, n, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
body = "Subject: Alerte\r\nFrom: a@news.example.org\r\n\r\n" + ("x" * 76 + "\r\n") * max(1, size // 78)
def run(start, stop):
    with smtplib.SMTP("127.0.0.1", port) as s:
        for i in range(start, stop):
            s.sendmail("alertes@news.example.org", [f"lecteur{i}@example.org"], body)
t0 = time.time()
threads = [threading.Thread(target=run, args=(k * n // 2, (k + 1) * n // 2)) for k in range(2)]
for t in threads: t.start()
for t in threads: t.join()
print(int((time.time() - t0) * 1000))
PY
)"
  stop_server
  echo "$ms"
}

quarter=$(( recipients / 4 ))
read -r q_ms q_peak _ _ <<< "$(kiosque_send "$quarter")"
read -r k_ms k_peak k_logged k_distinct <<< "$(kiosque_send "$recipients")"
size="$("$python" -c 'import json,sys; print(len(json.loads(open(sys.argv[1]).readline())["data"]))' "$work/kiosque-$recipients.jsonl" 2>/dev/null || echo 4000)"
p_ms="$(peer_send "$recipients" "$size")"

rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n / (ms / 1000) }'; }
k_rate="$(rate "$recipients" "$k_ms")"
p_rate="$(rate "$recipients" "$p_ms")"
echo
echo "newsletter: $recipients readers, messages of $size bytes, aiosmtpd on loopback ($profile build)"
printf '  kiosque   %6s messages/s  (%s ms; server logged %s, %s distinct readers)\n' "$k_rate" "$k_ms" "$k_logged" "$k_distinct"
printf '  smtplib   %6s messages/s  (%s ms; the server'"'"'s ceiling, same size, 2 connections)\n' "$p_rate" "$p_ms"
awk -v k="$k_rate" -v p="$p_rate" 'BEGIN { printf "  ratio     %.2f× the peer\n", k / p }'
printf '  memory    peak %s MB with %s readers, %s MB with %s\n' \
  "$(( q_peak / 1024 ))" "$quarter" "$(( k_peak / 1024 ))" "$recipients"
