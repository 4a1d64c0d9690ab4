#!/usr/bin/env bash
# Search benchmark: index build time and query latency (p50/p99) over
# 100,000 generated French articles, against SQLite LIKE (WordPress's way)
# on the same articles. KIOSQUE_BENCH_ARTICLES=N changes the count.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p kiosque-search --example search_bench
