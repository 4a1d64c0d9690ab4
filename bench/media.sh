#!/usr/bin/env bash
# Image pipeline benchmark: time per megapixel to take an upload in and to
# make its copies, and the bytes a phone reader saves. Compares with
# Debian's cwebp when installed (apt-get install webp).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p kiosque-media --example variants_bench
