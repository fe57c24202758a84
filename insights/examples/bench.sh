#!/usr/bin/env bash
# Benchmark: our engine vs angle-grinder (`agrind`, crates.io `ag`) vs DuckDB on the same
# generated file, for the three questions of bench.rs; then `pattern @message` over the file.
# Usage: insights/examples/bench.sh [FILE] [SIZE_MB]   (default /tmp/insights-bench.log, 1024)
# Needs /usr/bin/time and python3; installs agrind with `cargo install ag --locked` and DuckDB
# (PyPI `duckdb`) into a venv under ~/.cache/watchpost/ when missing. Runs one thing at a time.
# SKIP_AGRIND=1 leaves angle-grinder out (it takes minutes to build).
set -euo pipefail
FILE="${1:-/tmp/insights-bench.log}"
SIZE_MB="${2:-1024}"
cd "$(dirname "$0")/../.."
cargo build --release -p insights --features eval --example gen_logs --example bench
[ -f "$FILE" ] || target/release/examples/gen_logs "$FILE" "$SIZE_MB"
if [ -z "${SKIP_AGRIND:-}" ]; then
  command -v agrind >/dev/null 2>&1 || cargo install ag --locked
fi
VENV="$HOME/.cache/watchpost/duckdb-venv"
if ! "$VENV/bin/python" -c 'import duckdb' >/dev/null 2>&1; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet duckdb
fi
AG=(
  '* | json | where level == "error" | count by userId'
  '* | parse "\"durationMs\":*," as d | where d > 1000 | sort by d desc | limit 100'
  '* | json | timeslice(parseDate(timestamp)) 5m | p99(durationMs), avg(durationMs) by _timeslice'
)
cell() { # time -v output → "wall / CPU (user+sys) s / peak RSS MB" (CPU time is the fairer
  # number on a machine shared with other work)
  local wall cpu rss
  wall=$(grep Elapsed "$1" | awk '{print $NF}')
  cpu=$(awk '/User time/ {u=$NF} /System time/ {s=$NF} END {printf "%.1f", u + s}' "$1")
  rss=$(grep 'Maximum resident' "$1" | awk '{printf "%.0f", $NF / 1024}')
  echo "$wall / ${cpu}s / ${rss} MB"
}
ERR=/tmp/insights-bench-time.err
echo "file: $FILE ($(du -m "$FILE" | cut -f1) MB, $(wc -l < "$FILE") lines), $(nproc) cores"
echo
echo "| question | insights (wall / CPU / peak RSS) | agrind | DuckDB $("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)') (2 threads) |"
echo "|---|---|---|---|"
for i in 1 2 3; do
  /usr/bin/time -v target/release/examples/bench "$FILE" "$i" > /dev/null 2> "$ERR"
  ours=$(cell "$ERR")
  ag="not run"
  if [ -z "${SKIP_AGRIND:-}" ]; then
    /usr/bin/time -v agrind --output json -f "$FILE" "${AG[$((i-1))]}" > /dev/null 2> "$ERR" || true
    ag=$(cell "$ERR")
  fi
  /usr/bin/time -v "$VENV/bin/python" insights/examples/bench_duckdb.py "$FILE" "$i" 2> "$ERR"
  duck=$(cell "$ERR")
  echo "| q$i | $ours | $ag | $duck |"
done
echo
# `pattern @message`: lines/s, MB/s and templates found (bench.rs), peak RSS from time -v.
/usr/bin/time -v target/release/examples/bench "$FILE" pattern 2> "$ERR"
echo
echo "pattern (wall / CPU / peak RSS): $(cell "$ERR")"
