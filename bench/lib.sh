# Helpers the benchmarks share (sourced): ports, clocks, memory, one wrk
# run read back, and nginx as the peer. The caller sets `work`, `nport` and
# `seconds`.

# Installs Debian's wrk, nginx-light and h2load when missing (as root), or says how.
need_load_tools() {
  local need=()
  command -v wrk >/dev/null || need+=(wrk)
  command -v nginx >/dev/null || need+=(nginx-light)
  command -v h2load >/dev/null || need+=(nghttp2-client)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -q >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
    else
      echo "$0 needs Debian's ${need[*]}: apt-get install ${need[*]}" >&2
      exit 1
    fi
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

rss_kb() { # the resident memory of processes, summed
  local total=0 pid
  for pid in "$@"; do
    total=$(( total + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status") ))
  done
  echo "$total"
}
# One wrk run (optionally a Lua script, or a browser's user agent);
# prints "requests/s p50_ms p99_ms errors"; the whole output stays in
# $work/wrk-last.txt.
measure() {
  local url=$1 conns=$2 script=${3:-} ua=${4:-}
  local out
  if [ -n "$script" ]; then
    out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$script" "$url")
  elif [ -n "$ua" ]; then
    out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency -H 'Accept-Encoding: gzip' -H "User-Agent: $ua" "$url")
  else
    out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency -H 'Accept-Encoding: gzip' "$url")
  fi
  echo "$out" > "$work/wrk-last.txt"
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $errors"
}
to_ms() { # wrk prints 812.00us, 1.20ms or 1.01s
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else print v }'
}

# nginx on port $nport serving $work/www (precompressed files with
# gzip_static), the peer of every HTTP measurement; waits until it answers
# `path`. With `h2` as second argument, on port $n2port over HTTP/2 in
# cleartext (h2c, prior knowledge), with sendfile off: with it, nginx's
# HTTP/2 answers waited on delayed ACKs over loopback (40 ms each, 1,500
# requests/s), which would measure the stall, not the server.
start_nginx() {
  local path=$1 h2=${2:-} port=$nport send="sendfile on; tcp_nopush on;" listen=""
  if [ "$h2" = h2 ]; then
    port=$n2port send="sendfile off; tcp_nodelay on;" listen=" http2"
  fi
  cat > "$work/nginx.conf" <<EOF
  worker_processes 2;
  pid $work/nginx.pid;
  error_log $work/nginx-error.log;
  events { worker_connections 4096; }
  http {
    include /etc/nginx/mime.types;
    access_log off;
    $send
    keepalive_requests 1000000;
    gzip_static on;
    server {
      listen 127.0.0.1:$port$listen;
      root $work/www;
    }
  }
EOF
  # nginx's workers run as another user: let them read the page.
  chmod a+x "$work"
  chmod -R a+rX "$work/www"
  nginx -c "$work/nginx.conf" -e "$work/nginx-error.log"
  for _ in $(seq 1 100); do
    answers "$h2" "http://127.0.0.1:$port$path" && return
    sleep 0.05
  done
  cat "$work/nginx-error.log" >&2
  exit 1
}
answers() { # h2 or not, url
  if [ "$1" = h2 ]; then
    h2load -n1 "$2" 2>/dev/null | grep -q '1 succeeded'
  else
    curl -sf -o /dev/null "$2"
  fi
}

# One h2load run over HTTP/2 (h2c), one stream per connection at a time;
# prints "requests/s p50_ms p99_ms errors" from its per-request log.
measure_h2() {
  local url=$1 conns=$2 out rps errors p50 p99
  rm -f "$work/h2.log"
  out=$(h2load -t2 -c"$conns" -m1 -D "$seconds" -H 'Accept-Encoding: gzip' --log-file="$work/h2.log" "$url" 2>&1)
  echo "$out" > "$work/h2load-last.txt"
  rps=$(awk '/^finished in/ {print $4}' <<<"$out")
  # Failed requests, and answers other than 2xx and 3xx.
  errors=$(awk '/^requests:/ {n += $10} /^status codes:/ {n += $7 + $9} END {print n + 0}' <<<"$out")
  # The log's third column is each request's time in microseconds.
  read -r p50 p99 < <(awk '{print $3}' "$work/h2.log" | sort -n |
    awk '{v[NR] = $1} END {printf "%.3f %.3f\n", v[int(NR * 0.5)] / 1000, v[int(NR * 0.99)] / 1000}')
  echo "$rps $p50 $p99 $errors"
}

# The settings of a site under the reliability load (bench/reliability.sh,
# deploy/local-cluster.sh): behind a load balancer, the readers' addresses
# come from X-Forwarded-For; comments: a burst per address large enough
# that only the flood rule (one per 15 s per address) applies; the API
# script is not limited.
load_config() {
  cat <<'TOML'
[server]
behind_proxy = true

[comments]
burst = 1000
interval_seconds = 1

[api]
per_minute = 100000
TOML
}

# The content the reliability load reads and writes: 40 articles published
# (their addresses in $1/paths), an editor and an API token for the draft
# script (in $token). `K` runs kiosque on the site.
load_site() {
  local dir=$1 n
  mkdir -p "$dir/src"
  for n in $(seq 1 40); do
    printf -- '---\ntitle: "Article de charge numéro %s"\nauthor: "Rédaction"\ndate: 2026-11-%02dT08:00:00Z\ncategory: "Actualité"\nslug: "charge-%s"\n---\nUn texte de quelques phrases pour la page numéro %s. Il en faut assez pour que la page pèse ce que pèse un article.\n\nDeuxième paragraphe, avec une « citation » et des chiffres : 12 %% de hausse.\n' \
      "$n" $(( (n % 28) + 1 )) "$n" "$n" > "$dir/src/charge-$n.md"
  done
  K publish "$dir"/src/*.md 2>/dev/null | grep '^/' > "$dir/paths"
  echo "une-phrase-de-passe-fiable" | K user create --email redaction@example.org \
    --name "Rédaction" --role editor --password-stdin >/dev/null 2>&1
  token=$(K token create --user redaction@example.org --name fiabilite 2>/dev/null | tail -n1)
}

# The field $2 of the JSON object in the file $1 (a k6 summary).
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
