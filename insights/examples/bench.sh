#!/usr/bin/env bash
# Benchmark: our engine vs angle-grinder (`agrind`, crates.io `ag`) on the same generated file.
# Usage: insights/examples/bench.sh [FILE] [SIZE_MB]   (default /tmp/insights-bench.log, 1024)
# Needs /usr/bin/time; installs agrind with `cargo install ag --locked` when missing.
set -euo pipefail
FILE="${1:-/tmp/insights-bench.log}"
SIZE_MB="${2:-1024}"
cd "$(dirname "$0")/../.."
cargo build --release -p insights --features eval --example gen_logs --example bench
[ -f "$FILE" ] || target/release/examples/gen_logs "$FILE" "$SIZE_MB"
command -v agrind >/dev/null 2>&1 || cargo install ag --locked
AG=(
  '* | json | where level == "error" | count by userId'
  '* | parse "\"durationMs\":*," as d | where d > 1000 | sort by d desc | limit 100'
  '* | json | timeslice(parseDate(timestamp)) 5m | p99(durationMs), avg(durationMs) by _timeslice'
)
report() { # name, time -v output
  echo "$1: wall $(grep Elapsed "$2" | awk '{print $NF}'), user $(grep 'User time' "$2" | awk '{print $NF}')s, sys $(grep 'System time' "$2" | awk '{print $NF}')s, peak RSS $(grep 'Maximum resident' "$2" | awk '{print $NF}') KB"
}
for i in 1 2 3; do
  /usr/bin/time -v target/release/examples/bench "$FILE" "$i" 2> /tmp/insights-bench-ours.err | tail -1
  report "insights q$i" /tmp/insights-bench-ours.err
  /usr/bin/time -v agrind --output json -f "$FILE" "${AG[$((i-1))]}" > /dev/null 2> /tmp/insights-bench-ag.err || true
  report "agrind   q$i" /tmp/insights-bench-ag.err
done
